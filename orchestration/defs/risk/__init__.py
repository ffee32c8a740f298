"""Risk assets (group `risk`): profiles, line model and scores, evaluation, accounts, rules, entities, port shopping."""

from orchestration.policy import Group

RISK = Group("risk")

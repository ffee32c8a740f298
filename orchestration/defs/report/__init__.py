"""The leadership report asset (group `report`)."""

from orchestration.policy import Group

REPORT = Group("report", kinds=frozenset({"html"}))

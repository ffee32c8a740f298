"""Risk assets (group `risk`): profiles, line model and scores, evaluation, accounts, rules, entities, port shopping."""

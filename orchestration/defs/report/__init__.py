"""The leadership report asset (group `report`)."""

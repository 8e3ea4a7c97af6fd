"""The working-day calendar: official holiday schedules, admin overrides, due dates."""

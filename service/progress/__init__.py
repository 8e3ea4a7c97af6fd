"""The public progress page: the insured person, with the case number on the receipt and the
last six characters of their ID number, sees the kind, the current step, the office holding
the case and its due date — nothing else."""

"""退休人员缴费年限核定 (retiree contribution years): the settling office confirms the years."""

"""参保登记 (registration): an office asks the office where a person is insured to register,
change or cancel their basic medical insurance enrolment."""

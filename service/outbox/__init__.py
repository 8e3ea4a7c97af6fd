"""The outbox: every piece of work the workers do for a change is a row written in the
transaction that causes it, so it exists exactly when the change does.

``engine`` runs such rows for any table of them (a notification's deliveries, the jobs of
``jobs``): nudged to a worker once the transaction commits, claimed under a row lock, leased
while an attempt leaves the database, retried with backoff, dead-lettered after the last
attempt, and swept by the relay when a nudge was lost. ``jobs`` is the table for every other
kind of work: a job type is one handler and one registration.
"""

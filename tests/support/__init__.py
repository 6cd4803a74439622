"""What tests share. Test modules import from here and get fixtures from conftest, never import
one another (tests/unit/test_test_layout.py holds them to it).

- `harness`: the app under test on a real HTTP server, the fake Slack, the fixed moment and team.
- `slack`: what people do in Slack (open the goal and status modals, fill them in, press buttons).
- `cadence`: a week lived through: the tick run by hand at given times, the prompts answered.
- `factories`: rows written straight to the database, one factory per kind.
- `cli`: the `pmpulse` console script run as a process in a prepared shell.
- `delivery`: the outbox seen from outside: queueing rows, a settable clock, what Slack received.
- `database`: which database the suite runs on, faults put into it, its locks.
"""

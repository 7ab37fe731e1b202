"""Scheduled work: reminders, chasers and housekeeping at Europe/London times.

- :mod:`rights.schedule.table`: the schedule as data (job, when in London, what it does);
- :mod:`rights.schedule.runner`: period keys, claiming a period before running it, catch-up, the RQ tick;
- :mod:`rights.schedule.reminders`: requesters (evidence and clarification, closing, download links),
  officers' daily digests and managers' digests;
- :mod:`rights.schedule.chasers`: record holders' unconfirmed search tasks, escalated to managers;
- :mod:`rights.schedule.housekeeping`: the re-enqueue sweeper, outbox recovery, portal clean-up;
- :mod:`rights.schedule.simulate`: the schedule run day by day on a copy of the data, sending nothing.

Every rule takes ``today`` and ``now`` from its caller (a :class:`~rights.schedule.table.RunContext`): none
reads the system clock, so a simulation or a test can run any day.
"""

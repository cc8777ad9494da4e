"""Messages where officials read them: channels per department and per user, a delivery log.

The channel classes are core/messaging/; this package holds their configuration (a
department's group robot for its notices and reminders, a leader's own channel for
escalations), the log of each delivery, and the jobs that send and retry (docs/messaging.md).
"""

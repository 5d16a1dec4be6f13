"""Mail: messages are written to an outbox table in the transaction of whatever they announce
(a meeting booked, an account made), and a sweeper on every node delivers them, retrying with
backoff. Nothing is sent for work that was rolled back, and nothing is lost when SMTP is down."""

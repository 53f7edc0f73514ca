"""Following topics: residents name a topic, and hear when a new issue covers it.

``topics`` checks and stores what residents follow; ``matching`` judges a new issue
against every followed topic (the answer service's own relevance rules, searching that
issue's passages only); ``outbox`` finds new issues, queues one notification per issue
and follower, and hands them to a sender one at a time.
"""

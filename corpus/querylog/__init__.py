"""The query log: pseudonymous entries, periods, statistics, question groups, export and charts."""

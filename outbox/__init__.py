"""The inbox's mirror (floor 2, docs/HOUSE): what the province sends back to its units.

Reads the published warehouse (read-only) and writes files: the monthly templates
(outbox.templates), the receipts and the send list (outbox.receipts). It computes no
figure: every number it writes is a column of a mart.
"""

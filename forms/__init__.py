"""Floor 0 (HOUSE.md): the shapes both sides of the units' loop agree on.

`forms.template` is the province's report template of CONTRACT §4/§11 — the workbook
the outbox sends to units and the inbox gets back. It imports nothing of ours, so the
outbox (floor 2), ingestion and the sample generator all import it downwards.
`forms.vi_format` (numbers the Vietnamese way) and `forms.safe_text` (unit text that
never becomes a formula) are how both the reports and the outbox write for people.
"""

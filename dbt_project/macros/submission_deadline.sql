{#- The submission deadline (CONTRACT §3, §6), the one place it is computed: a report
    for month `period` is on time through the end of day `submission_deadline_day`
    (1..31) of the next month, or through that month's last day when it is shorter
    (31 -> 30 April, 29 February 2024, 28 February 2023), Asia/Ho_Chi_Minh.
    marts.dim_reporting_period holds the result for every month; Python (the schedule,
    `dean5299 status`) reads that mart rather than computing it again. -#}

{#- The deadline's calendar day (DATE). -#}
{% macro submission_deadline_date(period_column, deadline_day_column) -%}
    make_date(
        year(({{ period_column }} + interval 1 month)::date),
        month(({{ period_column }} + interval 1 month)::date),
        least(
            ({{ deadline_day_column }})::integer,
            dayofmonth(last_day(({{ period_column }} + interval 1 month)::date))
        )
    )
{%- endmacro %}

{#- The end of that day (TIMESTAMPTZ: midnight starting the next local day); a report
    received after it is late. -#}
{% macro submission_deadline(period_column, deadline_day_column) -%}
    {{ local_instant(submission_deadline_date(period_column, deadline_day_column) ~ ' + 1') }}
{%- endmacro %}

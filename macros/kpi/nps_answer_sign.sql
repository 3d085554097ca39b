{#
    The one home of the NPS cut-offs (the spec's standard NPS): an answer of
    9 or 10 is a promoter (+1), 0 to 6 a detractor (-1), 7 or 8 passive (0).
    NPS = 100 x sum(sign) / answers.
#}
{% macro nps_answer_sign(score) -%}
    case when {{ score }} >= 9 then 1 when {{ score }} <= 6 then -1 else 0 end
{%- endmacro %}

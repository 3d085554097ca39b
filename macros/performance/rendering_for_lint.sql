{#
    True while sqlfluff renders a model to lint it (.sqlfluff passes the var
    `rendering_for_lint`). sqlfluff lints a model's own text: the SQL a macro
    generates is a templated area, whose violations it does not report, but
    it still parses all of it, and nested arithmetic is where its parser is
    slowest. The few formula macros whose output dominated the lint render a
    placeholder of the same type instead; every build renders them in full.
#}
{% macro rendering_for_lint() -%}
    {{ return(var('rendering_for_lint', false) in (true, 'True', 'true')) }}
{%- endmacro %}

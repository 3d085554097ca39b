{#
    Interval of a ratio-type statistic of sums over n independent units,
    R = prod_k S_k ^ e_k with S_k = sum_i x_ik and exponents e_k = +1
    (numerator sums) or -1 (denominator sums) adding up to 0: a mean
    (sum(y) / sum(1)), a ratio of sums (sum(y) / sum(x)) or a ratio of two
    ratios (performance improvement). By linearisation (the delta method),
    with G_k = dR / dS_k = e_k R / S_k:

        z_i    = sum_k G_k x_ik            (the unit's influence; sum_i z_i = 0)
        var(R) = n / (n - 1) * sum_i z_i^2
               = n / (n - 1) * sum_k sum_l G_k G_l sum_i x_ik x_il
        bound  = R -/+ t(n - 1) * sqrt(var(R))

    with t the Student critical value of the seed's confidence. For a mean
    this is exactly the Student t interval (standard error s / sqrt(n)); for
    a ratio it is Cochran's ratio-estimator variance. The cross sums
    sum_i x_ik x_il are what a grouped (or grouping-sets) query can carry.

    linearized_ratio_sums(terms, exact_type): the aggregate columns for the
    list of term expressions x_k: linearized_units (units with the last term
    not null), linearized_sum_<k> and linearized_cross_<k>_<l> (k <= l),
    summed in an exact type so that the bounds do not depend on the order
    threads add rows in: decimal(38, 10) by default, bigint (faster) when
    every term is a whole number (counts, days, points). A decimal cross
    product is taken in double precision, then summed exactly: the product
    of two decimal(38, 10) overflows from 10^9 x 10^9 (a tenant's monthly
    cost can reach that under the contract's bounds), a double does not.

    linearized_ratio_interval_bound(exponents, side): one bound of R from
    those columns (of `relation` when given), optionally clamped to
    [lowest, highest]; null below 2 units or when a denominator sum is not
    positive. z and confidence: the Student t critical value's (default the
    seed's interval_z and interval_confidence).
#}
{% macro linearized_ratio_sums(terms, exact_type='decimal(38, 10)') -%}
    {#- a decimal type goes through exact_decimal: PostgreSQL's float8 ->
        numeric cast keeps 15 significant digits -#}
    {%- set decimal = modules.re.match('^decimal\\((\\d+),\\s*(\\d+)\\)$', exact_type) -%}
    {%- if exact_type != 'bigint' and not decimal -%}
        {{ exceptions.raise_compiler_error("linearized_ratio_sums: exact_type must be bigint or decimal(p, s), got " ~ exact_type) }}
    {%- endif -%}
    cast(count({{ terms[-1] }}) as integer) as linearized_units,
    {%- for term in terms %}
        {%- if exact_type == 'bigint' %}
        sum(cast({{ term }} as bigint)) as linearized_sum_{{ loop.index }},
        {%- else %}
        sum({{ exact_decimal(term, decimal.group(1), decimal.group(2)) }}) as linearized_sum_{{ loop.index }},
        {%- endif %}
    {%- endfor %}
    {%- for first in terms %}
        {%- set outer = loop %}
        {%- for second in terms %}
            {%- if loop.index >= outer.index %}
            {%- if exact_type == 'bigint' %}
        sum(cast({{ first }} as bigint) * cast({{ second }} as bigint))
            {%- else %}
        sum({{ exact_decimal(
            'cast(' ~ first ~ ' as ' ~ dbt.type_float() ~ ') * cast(' ~ second ~ ' as ' ~ dbt.type_float() ~ ')',
            decimal.group(1), decimal.group(2)
        ) }})
            {%- endif %}
            as linearized_cross_{{ outer.index }}_{{ loop.index }}{{ ',' if not (outer.last and loop.last) }}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{% macro linearized_ratio_interval_bound(
    exponents, side, relation=none, lowest=none, highest=none, z=none, confidence=none
) -%}
    {%- if side not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("linearized_ratio_interval_bound: side must be 'lower' or 'upper', got " ~ side) }}
    {%- endif -%}
    {%- if exponents | sum != 0 -%}
        {{ exceptions.raise_compiler_error("linearized_ratio_interval_bound: exponents must add up to 0 (a ratio-type statistic), got " ~ exponents) }}
    {%- endif -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set n = 'cast(' ~ prefix ~ 'linearized_units as ' ~ dbt.type_float() ~ ')' -%}
    {%- set sums = [] -%}
    {%- for exponent in exponents -%}
        {%- do sums.append('cast(' ~ prefix ~ 'linearized_sum_' ~ loop.index ~ ' as ' ~ dbt.type_float() ~ ')') -%}
    {%- endfor -%}
    {#- products[0]: R; products[k]: R without the sum k (k with exponent +1) -#}
    {%- set products = [] -%}
    {%- for leave_out in range(exponents | length + 1) -%}
        {%- set upper_terms = [] -%}
        {%- set lower_terms = [] -%}
        {%- for exponent in exponents -%}
            {%- if loop.index != leave_out -%}
                {%- if exponent > 0 -%}
                    {%- do upper_terms.append(sums[loop.index0]) -%}
                {%- else -%}
                    {%- do lower_terms.append(sums[loop.index0]) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do products.append(
            '((' ~ (upper_terms | join(' * ') if upper_terms else '1.0') ~ ') / ('
            ~ (lower_terms | join(' * ') if lower_terms else '1.0') ~ '))'
        ) -%}
    {%- endfor -%}
    {%- set ratio = products[0] -%}
    {%- set gradients = [] -%}
    {%- for exponent in exponents -%}
        {%- if exponent > 0 -%}
            {%- do gradients.append(products[loop.index]) -%}
        {%- else -%}
            {%- do gradients.append('(-' ~ ratio ~ ' / ' ~ sums[loop.index0] ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set variance_terms = [] -%}
    {%- for first in exponents -%}
        {%- set outer = loop -%}
        {%- for second in exponents -%}
            {%- if loop.index >= outer.index -%}
                {%- do variance_terms.append(
                    ('2.0 * ' if loop.index > outer.index else '') ~ gradients[outer.index0] ~ ' * '
                    ~ gradients[loop.index0] ~ ' * cast(' ~ prefix ~ 'linearized_cross_' ~ outer.index ~ '_'
                    ~ loop.index ~ ' as ' ~ dbt.type_float() ~ ')'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set denominators = [] -%}
    {%- for exponent in exponents -%}
        {%- if exponent < 0 -%}
            {%- do denominators.append(sums[loop.index0] ~ ' > 0') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set bound -%}
        {{ ratio }} {{ '-' if side == 'lower' else '+' }} {{ student_t_critical_value(n ~ ' - 1', z, confidence) }}
        * sqrt(greatest(0.0, {{ variance_terms | join('\n            + ') }}) * {{ n }} / ({{ n }} - 1.0))
    {%- endset -%}
    case
        when {{ n }} >= 2 and {{ denominators | join(' and ') }}
            then
                {%- if side == 'lower' and lowest is not none %} greatest({{ lowest }}, {{ bound }})
                {%- elif side == 'upper' and highest is not none %} least({{ highest }}, {{ bound }})
                {%- else %} {{ bound }}
                {%- endif %}
    end
{%- endmacro %}

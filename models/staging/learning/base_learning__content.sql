{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('learning', 'content') }}
),

plausibility_bounds_timestamps as (
    select * from {{ ref('plausibility_bounds_timestamps') }}
),

renamed as (
    select
        ----------  ids
        {{ clean_string('content_id') }} as content_id,
        {{ clean_string('course_id') }} as course_id,

        ----------  strings
        {{ clean_string('title') }} as title,
        {{ clean_string('content_type') }} as content_type,

        ----------  timestamps
        {{ to_utc('published_at') }} as published_at,
        {{ to_utc('last_updated_at') }} as last_updated_at,
        {{ to_utc('retired_at') }} as retired_at,
        {{ is_unparseable_timestamp('retired_at') }} as is_retired_at_unparseable,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        *,
        case
            when content_id is null then 'missing_key'
            when
                published_at is null
                or last_updated_at is null
                or is_retired_at_unparseable
                then 'unparseable_timestamp'
            when
                {{ is_implausible_timestamp('published_at', 'content', 'published_at') }}
                or {{ is_implausible_timestamp('last_updated_at', 'content', 'last_updated_at') }}
                or {{ is_implausible_timestamp('retired_at', 'content', 'retired_at') }}
                then 'timestamp_out_of_range'
        end as rule_reason
    from renamed
),

ranked as (
    select
        *,
        row_number() over (
            partition by content_id, rule_reason is null
            order by last_updated_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        content_id,
        course_id,
        title,
        content_type,
        published_at,
        last_updated_at,
        retired_at,
        coalesce(
            rule_reason,
            case when key_rank > 1 then 'duplicate_key' end
        ) as quarantine_reason,
        case
            when rule_reason is not null or key_rank > 1 then raw_payload
        end as row_payload
    from ranked
)

select * from final

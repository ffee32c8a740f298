{#
    Generic data tests written here because the project uses no dbt packages (dbt_utils is not installed).
#}

{#
    An invariant as a SQL expression that must hold on every row; the failing rows are returned.
    Usage (model level):
        data_tests:
          - expression_is_true:
              arguments:
                expression: "released_at >= filed_at - interval '5' day"
              config:
                where: "released_at is not null"
#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not (
        {% if column_name is not none %}{{ column_name }} {% endif %}{{ expression }}
    )
{% endtest %}


{# The combination of columns is unique: the primary key of a multi-column grain. #}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{# Every row's key combination exists in the parent (a composite foreign key). #}
{% test relationships_composite(model, to, columns, to_columns=none) %}
    {%- set parent_columns = to_columns or columns -%}
    select child.*
    from {{ model }} as child
    where not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns -%}
                parent.{{ parent_columns[loop.index0] }} = child.{{ column }}{{ " and" if not loop.last }}
            {% endfor %}
    )
{% endtest %}


{#
    A parent's amount equals the sum of its children's (e.g. an entry's duty equals the duty of its lines).
    Returns the parents where it does not, with both values.
#}
{% test equals_sum_of_children(model, column, to, field, key) %}
    with children as (
        select
            {{ key }} as parent_key,
            sum({{ field }}) as children_total
        from {{ to }}
        group by {{ key }}
    )

    select
        parent.{{ key }},
        parent.{{ column }} as parent_total,
        children.children_total
    from {{ model }} as parent
    left join children on parent.{{ key }} = children.parent_key
    where children.children_total is null or parent.{{ column }} <> children.children_total
{% endtest %}

"""Partnerships own plans, people and corporate objectives; roles are held per partnership (Membership).

Existing data moves into one partnership, named FIRST_PARTNERSHIP (rename it in the admin); each user's role
groups become memberships of it. The groups themselves are left in place, read by nothing.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import plans.models

FIRST_PARTNERSHIP = "Our partnership"

ROLE_OF_GROUP = {
    "Performance officers": "performance_officer",
    "Lead officers": "lead_officer",
    "Data experts": "data_expert",
    "Indicator owners": "indicator_owner",
    "Strategic group": "strategic_group",
}


def first_partnership(apps):
    """Return the partnership existing data moves into, made the first time a migration needs it."""
    Partnership = apps.get_model("plans", "Partnership")
    return Partnership.objects.order_by("pk").first() or Partnership.objects.create(name=FIRST_PARTNERSHIP)


def move_into_one_partnership(apps, schema_editor):
    Plan, Person, CorporateObjective = (apps.get_model("plans", name) for name in ("Plan", "Person", "CorporateObjective"))
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("plans", "Membership")
    memberships = [(user_pk, ROLE_OF_GROUP[name]) for user_pk, name in
                   Group.objects.filter(name__in=ROLE_OF_GROUP).values_list("user", "name") if user_pk is not None]
    if not (memberships or Plan.objects.exists() or Person.objects.exists() or CorporateObjective.objects.exists()):
        return
    partnership = first_partnership(apps)
    for model in (Plan, Person, CorporateObjective):
        model.objects.update(partnership=partnership)
    Membership.objects.bulk_create(
        [Membership(partnership=partnership, user_id=user_pk, role=role) for user_pk, role in memberships],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('plans', '0006_action_reporter'),
    ]

    operations = [
        migrations.CreateModel(
            name='Partnership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='For example Coventry Partnership.', max_length=200, unique=True)),
                ('is_active', models.BooleanField(default=True, help_text='Members of an inactive partnership cannot sign in to it.')),
            ],
            options={'ordering': ['name']},
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('performance_officer', 'Performance officer'), ('lead_officer', 'Lead officer'), ('data_expert', 'Data expert'), ('indicator_owner', 'Indicator owner'), ('strategic_group', 'Strategic group member')], max_length=30)),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='plans.partnership')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['partnership', 'user', 'role'],
                'constraints': [models.UniqueConstraint(fields=('partnership', 'user', 'role'), name='membership_unique_role')],
            },
        ),
        migrations.AddField(
            model_name='plan', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='plans.partnership'),
        ),
        migrations.AddField(
            model_name='person', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='people', to='plans.partnership'),
        ),
        migrations.AddField(
            model_name='corporateobjective', name='partnership',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corporate_objectives', to='plans.partnership'),
        ),
        migrations.RunPython(move_into_one_partnership, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='plan', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='plans.partnership'),
        ),
        migrations.AlterField(
            model_name='person', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='people', to='plans.partnership'),
        ),
        migrations.AlterField(
            model_name='corporateobjective', name='partnership',
            field=models.ForeignKey(default=plans.models.partnership_in_scope, on_delete=django.db.models.deletion.PROTECT, related_name='corporate_objectives', to='plans.partnership'),
        ),
        migrations.AlterModelOptions(name='corporateobjective', options={'ordering': ['partnership', 'number']}),
        migrations.AlterField(model_name='corporateobjective', name='number', field=models.PositiveSmallIntegerField()),
        migrations.AlterField(
            model_name='plan', name='reference',
            field=models.CharField(help_text='For example NI 152; one plan a reference in a partnership.', max_length=40),
        ),
        migrations.AddConstraint(
            model_name='corporateobjective',
            constraint=models.UniqueConstraint(fields=('partnership', 'number'), name='objective_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.UniqueConstraint(fields=('partnership', 'reference'), name='plan_unique_reference', violation_error_message='The partnership already has a plan with this reference.'),
        ),
    ]

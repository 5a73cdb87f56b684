"""Quotas as a delegation sees them: the rules that apply to a member, the seats its running
nominations use, and the check made under the delegation's lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _

from dialogue.members import Member
from dialogue.models import Membership, State
from dialogue.translations import listed
from meetings.models import RUNNING, Category, Delegation, Funding, Meeting, Nomination, QuotaRule

from . import locks


def membership_kind(meeting: Meeting, member: Member) -> str | None:
    """The member's current kind of membership in the meeting's dialogue, if any."""
    memberships = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
    if isinstance(member, State):
        memberships = memberships.filter(state=member)
    else:
        memberships = memberships.filter(organisation=member)
    return memberships.values_list("kind", flat=True).first()


def rules_for(
    meeting: Meeting, member: Member, rules: Iterable[QuotaRule] | None = None
) -> list[QuotaRule]:
    """The quotas that apply to a member: those naming it, else those of its kind."""
    rules = list(rules if rules is not None else meeting.quota_rules.all())
    is_state = isinstance(member, State)
    own = [r for r in rules if (r.state_id if is_state else r.organisation_id) == member.pk]
    if own:
        return own
    kind = membership_kind(meeting, member)
    return [r for r in rules if kind and r.member_kind == kind]


@dataclass(frozen=True)
class QuotaLine:
    rule: QuotaRule
    used: int
    funded: int

    @property
    def remaining(self) -> int:
        return max(self.rule.seats - self.used, 0)

    @property
    def funded_remaining(self) -> int:
        return max(self.rule.funded_seats - self.funded, 0)


def quota_lines(
    meeting: Meeting, member: Member, nominations: Iterable[Nomination] | None = None
) -> list[QuotaLine]:
    """Each quota of a member with the seats its running nominations use."""
    if nominations is None:
        nominations = Nomination.objects.filter(
            meeting=meeting, status__in=RUNNING, **locks.member_filter(member, "delegation__")
        )
    running = [n for n in nominations if n.status in RUNNING]
    return [
        QuotaLine(
            rule,
            used=sum(1 for n in running if n.category in rule.categories),
            funded=sum(
                1 for n in running if n.category in rule.categories and n.funding == Funding.GRANTED
            ),
        )
        for rule in rules_for(meeting, member)
    ]


def check_quota(meeting: Meeting, delegation: Delegation, category: str, *, adding: int) -> None:
    """Refuse when adding ``adding`` nominations of ``category`` would exceed a quota. Called
    with the delegation locked."""
    member = delegation.member
    rules = [r for r in rules_for(meeting, member) if category in r.categories]
    if not rules:
        raise ValidationError(
            _("%(member)s cannot nominate in the category “%(category)s” for this meeting.")
            % {"member": member.name, "category": Category(category).label}
        )
    counts = dict(
        delegation.nominations.filter(status__in=RUNNING)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    for rule in rules:
        used = sum(counts.get(c, 0) for c in rule.categories)
        if used + adding > rule.seats:
            raise ValidationError(
                _(
                    "The quota of %(member)s is full: %(seats)d of %(seats)d seats "
                    "(%(categories)s) are taken. Withdraw or replace a nominee first."
                )
                % {
                    "member": member.name,
                    "seats": rule.seats,
                    "categories": listed(Category(c).label for c in rule.categories),
                }
            )

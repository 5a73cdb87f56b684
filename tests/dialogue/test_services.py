from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dialogue import permissions, services
from dialogue.models import Invitation, Membership, Role, RoleKind, User
from tests.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_invite_sends_a_link_that_works_once(
    world: World, django_capture_on_commit_callbacks
) -> None:
    staff = world.people["secretariat_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.invite(
            by=staff,
            dialogue=world.dialogue,
            email="New.FP@Example.org",
            kind=RoleKind.FOCAL_POINT,
            state=world.state_a,
            base_url="https://dialogue.example.org",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.fp@example.org"]
    assert f"https://dialogue.example.org/invite/{sent.token}/" in mail.outbox[0].body
    assert Invitation.objects.get().token_hash != sent.token  # only the hash is stored

    newcomer = UserFactory(email="new.fp@example.org")
    role = services.accept_invitation(token=sent.token, user=newcomer)
    assert (role.kind, role.state, role.dialogue) == (
        RoleKind.FOCAL_POINT,
        world.state_a,
        world.dialogue,
    )
    with pytest.raises(ValidationError):
        services.accept_invitation(token=sent.token, user=newcomer)


def test_invite_again_replaces_the_pending_invitation(world: World) -> None:
    fp = world.people["focal_point_a"]
    first = services.invite(
        by=fp,
        dialogue=world.dialogue,
        email="d@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    second = services.invite(
        by=fp,
        dialogue=world.dialogue,
        email="d@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    assert Invitation.objects.count() == 1
    assert services.find_invitation(first.token) is None
    assert services.find_invitation(second.token) == second.invitation


def test_accept_invitation_refuses_another_address(world: World) -> None:
    sent = services.invite(
        by=world.people["focal_point_a"],
        dialogue=world.dialogue,
        email="d@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    intruder = UserFactory(email="intruder@example.org")
    with pytest.raises(ValidationError, match="another e-mail address"):
        services.accept_invitation(token=sent.token, user=intruder)
    assert not Role.objects.filter(user=intruder).exists()


def test_accept_invitation_refuses_an_expired_link(world: World) -> None:
    sent = services.invite(
        by=world.people["focal_point_a"],
        dialogue=world.dialogue,
        email="d@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="no longer valid"):
        services.accept_invitation(token=sent.token, user=UserFactory(email="d@example.org"))


def test_withdrawn_invitation_stops_working(world: World) -> None:
    fp = world.people["focal_point_a"]
    sent = services.invite(
        by=fp,
        dialogue=world.dialogue,
        email="d@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    services.withdraw_invitation(invitation=sent.invitation, by=fp)
    assert services.find_invitation(sent.token) is None


def test_focal_point_cannot_invite_for_another_state(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.invite(
            by=world.people["focal_point_a"],
            dialogue=world.dialogue,
            email="d@example.org",
            kind=RoleKind.DELEGATE,
            state=world.state_b,
        )
    with pytest.raises(PermissionDenied):
        services.invite(
            by=world.people["focal_point_a"],
            dialogue=world.dialogue,
            email="d@example.org",
            kind=RoleKind.FOCAL_POINT,
            state=world.state_a,
        )
    assert Invitation.objects.count() == 0


def test_invite_refuses_a_state_that_is_not_a_member(world: World) -> None:
    Membership.objects.filter(state=world.state_b, dialogue=world.dialogue).update(
        valid_until=datetime.date(2020, 1, 1)
    )
    with pytest.raises(ValidationError, match="not a current member"):
        services.invite(
            by=world.people["secretariat_staff"],
            dialogue=world.dialogue,
            email="d@example.org",
            kind=RoleKind.FOCAL_POINT,
            state=world.state_b,
        )


def test_record_membership_change_keeps_the_history(world: World) -> None:
    staff = world.people["secretariat_staff"]
    services.record_membership(
        by=staff,
        dialogue=world.dialogue,
        state=world.state_a,
        kind=Membership.Kind.OBSERVER,
        valid_from=datetime.date(2024, 3, 1),
    )
    rows = list(
        Membership.objects.filter(dialogue=world.dialogue, state=world.state_a).order_by(
            "valid_from"
        )
    )
    assert [(m.kind, m.valid_from, m.valid_until) for m in rows] == [
        (Membership.Kind.PARTICIPATING, datetime.date(2009, 4, 28), datetime.date(2024, 2, 29)),
        (Membership.Kind.OBSERVER, datetime.date(2024, 3, 1), None),
    ]


def test_record_membership_same_kind_changes_nothing(world: World) -> None:
    staff = world.people["secretariat_staff"]
    services.record_membership(
        by=staff,
        dialogue=world.dialogue,
        state=world.state_a,
        kind=Membership.Kind.PARTICIPATING,
        valid_from=datetime.date(2025, 1, 1),
    )
    assert Membership.objects.filter(dialogue=world.dialogue, state=world.state_a).count() == 1


def test_record_membership_refused_to_other_secretariat(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.record_membership(
            by=world.people["secretariat_staff_other"],
            dialogue=world.dialogue,
            state=world.state_a,
            kind=Membership.Kind.OBSERVER,
            valid_from=datetime.date(2025, 1, 1),
        )


def test_database_refuses_two_open_memberships(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            dialogue=world.dialogue,
            state=world.state_a,
            kind=Membership.Kind.OBSERVER,
            valid_from=datetime.date(2025, 1, 1),
        )


def test_end_membership_refuses_an_end_before_the_start(world: World) -> None:
    membership = Membership.objects.get(dialogue=world.dialogue, state=world.state_a)
    with pytest.raises(ValidationError):
        services.end_membership(
            by=world.people["secretariat_staff"],
            membership=membership,
            valid_until=datetime.date(2000, 1, 1),
        )


def test_revoke_role_ends_what_it_allowed(world: World) -> None:
    fp = world.people["focal_point_a"]
    assert permissions.is_focal_point(fp, world.dialogue, world.state_a)
    role = Role.objects.active().get(user=fp)
    services.revoke_role(by=world.people["secretariat_admin"], role=role)
    next_request_user = User.objects.get(pk=fp.pk)
    assert not permissions.is_focal_point(next_request_user, world.dialogue, world.state_a)
    assert Role.objects.filter(user=fp).count() == 1  # revoked, not deleted


def test_revoke_role_refused_to_staff(world: World) -> None:
    role = Role.objects.active().get(user=world.people["focal_point_a"])
    with pytest.raises(PermissionDenied):
        services.revoke_role(by=world.people["secretariat_staff"], role=role)


def test_grant_role_with_another_state_revokes_the_old_one(world: World) -> None:
    fp = world.people["focal_point_a"]
    services.grant_role(
        by=world.people["secretariat_admin"],
        user=fp,
        dialogue=world.dialogue,
        kind=RoleKind.FOCAL_POINT,
        state=world.state_b,
    )
    roles = [
        (r.state.code, r.is_active) for r in Role.objects.filter(user=fp).order_by("granted_at")
    ]
    assert roles == [("GE", False), ("MD", True)]


def test_deactivated_account_loses_everything_at_once(world: World) -> None:
    fp = world.people["focal_point_a"]
    assert permissions.can_view_delegation(fp, world.dialogue, world.state_a)
    services.set_account_active(by=world.people["secretariat_admin"], user=fp, active=False)
    assert not permissions.can_view_delegation(fp, world.dialogue, world.state_a)


def test_update_profile_rejects_an_unknown_time_zone(world: World) -> None:
    with pytest.raises(ValidationError):
        services.update_profile(user=world.people["delegate_a"], time_zone="Mars/Olympus")

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.inbox import follow_choice

from . import announcements, desk, maps, permissions, queries, services
from .accounts import SESSION_KEY
from .forms import AnnouncementForm, InvitationForm, ProfileForm
from .http import AuthenticatedRequest, next_or, show_refusal
from .models import Dialogue, Membership, Role, State


def home(request: HttpRequest) -> HttpResponse:
    """Each visitor sees what concerns them: the public dialogues, the focal point's own
    states and pending work, the secretariat's dialogues."""
    today = timezone.localdate()
    dialogues = Dialogue.objects.annotate(
        member_states=Count(
            "memberships",
            filter=Q(memberships__state__isnull=False, memberships__valid_from__lte=today)
            & (Q(memberships__valid_until__isnull=True) | Q(memberships__valid_until__gte=today)),
            distinct=True,
        ),
        body_count=Count("bodies", distinct=True),
    )
    context: dict[str, Any] = {
        "needs": desk.needs_of(request.user),
        "dialogues": dialogues,
        "upcoming_meetings": permissions.meetings_visible_to(request.user)
        .filter(ends_at__gte=timezone.now())
        .select_related("dialogue", "registration_settings")  # the status badge reads them
        .order_by("starts_at")[:6],
    }
    fp_states = permissions.focal_point_states(request.user)
    if fp_states:
        context["own_memberships"] = queries.current_memberships_of_states(fp_states)
        context["pending_invitations"] = permissions.invitations_visible_to(request.user).filter(
            accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
        )
    served = permissions.dialogues_served_by(request.user)
    if served.exists():
        context["served_dialogues"] = served.annotate(
            pending_invitations=Count(
                "invitations",
                filter=Q(
                    invitations__accepted_at__isnull=True,
                    invitations__withdrawn_at__isnull=True,
                    invitations__expires_at__gt=timezone.now(),
                ),
            )
        )
    return render(request, "dialogue/home.html", context)


def dialogue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        dialogue = queries.dialogue_with_structure(slug)
    except Dialogue.DoesNotExist as missing:
        raise Http404 from missing
    if not permissions.can_view_dialogue(request.user, dialogue):
        raise Http404
    today = timezone.localdate()
    memberships = list(queries.memberships_of(dialogue))
    current = [m for m in memberships if m.is_current(today)]
    context = {
        "dialogue": dialogue,
        "states": [m for m in current if m.state_id],
        "organisations": [m for m in current if m.organisation_id],
        "past_memberships": [m for m in memberships if not m.is_current(today)],
        "member_map": maps.membership_map(dialogue, [m for m in current if m.state_id]),
        "show_focal_points": permissions.can_view_focal_point_names(request.user, dialogue),
        "is_secretariat": permissions.is_secretariat(request.user, dialogue),
    }
    if context["show_focal_points"]:
        context["focal_points"] = queries.focal_points_of(dialogue)
    context["announcements"] = announcements.visible_announcements(request.user, dialogue)[:20]
    if request.user.is_authenticated:
        choice = follow_choice(request.user, f"dialogue:{dialogue.slug}")
        context["following"] = choice if choice is not None else context["show_focal_points"]
    if announcements.can_post(request.user, dialogue):
        context["announcement_form"] = AnnouncementForm(
            initial={"idempotency_key": uuid.uuid4().hex}, dialogue=dialogue
        )
    return render(request, "dialogue/dialogue_detail.html", context)


def announcement_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The announcements of a dialogue, as a fragment the live page re-fetches; POST posts one."""
    dialogue = get_object_or_404(Dialogue, slug=slug)
    if request.method == "POST":
        if not announcements.can_post(request.user, dialogue):
            raise Http404
        form = AnnouncementForm(request.POST, dialogue=dialogue)
        if form.is_valid():
            try:
                announcements.post_announcement(
                    by=request.user,  # type: ignore[arg-type]  # can_post implies a signed-in person
                    dialogue=dialogue,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                show_refusal(request, error)
            else:
                messages.success(request, _("The announcement was posted."))
        else:
            messages.error(request, _("An announcement needs a title and a text."))
        return redirect(reverse("dialogue_detail", args=[slug]) + "#announcements")
    return render(
        request,
        "dialogue/_announcements.html",
        {"announcements": announcements.visible_announcements(request.user, dialogue)[:20]},
    )


def state_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    dialogue = get_object_or_404(Dialogue, slug=slug)
    state = get_object_or_404(State, code=code.upper())
    memberships = list(
        Membership.objects.filter(dialogue=dialogue, state=state).order_by("-valid_from")
    )
    if not memberships or not permissions.can_view_dialogue(request.user, dialogue):
        raise Http404
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "state": state,
        "memberships": memberships,
        "offices": dialogue.offices.filter(state=state).select_related("body"),
        "show_focal_points": permissions.can_view_focal_point_names(request.user, dialogue),
        "show_delegation": permissions.can_view_delegation(request.user, dialogue, state),
        "is_own_state": permissions.is_focal_point(request.user, dialogue, state),
    }
    if context["show_focal_points"]:
        context["focal_points"] = queries.focal_points_of(dialogue, state)
    if context["show_delegation"]:
        context["delegation"] = queries.delegation_of(dialogue, state)
    return render(request, "dialogue/state_detail.html", context)


@login_required
def invitation_list(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_invite_anyone(request.user):
        raise Http404
    invitations = permissions.invitations_visible_to(request.user).order_by("-created_at")[:200]
    return render(
        request,
        "dialogue/invitation_list.html",
        {"invitations": invitations, "now": timezone.now()},
    )


@login_required
def invitation_create(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_invite_anyone(request.user):
        raise Http404
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.invite(
                by=request.user,
                dialogue=data["dialogue"],
                email=data["email"],
                kind=data["kind"],
                state=data.get("state"),
                organisation=data.get("organisation"),
                full_name=data["full_name"],
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except (ValidationError, PermissionDenied) as error:
            show_refusal(request, error, form, denied=_("You may not invite to this role."))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": sent.invitation.email}
            )
            return redirect("invitation_list")
    return render(request, "dialogue/invitation_form.html", {"form": form})


@login_required
@require_POST
def invitation_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(permissions.invitations_visible_to(request.user), pk=pk)
    services.withdraw_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("invitation_list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail. A new person goes on to sign up with the invited
    address; someone already signed in with that address takes the role at once."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "dialogue/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user)
            except ValidationError as error:
                show_refusal(request, error)
            else:
                messages.success(
                    request,
                    _("You now take part in %(dialogue)s.")
                    % {"dialogue": invitation.dialogue.name},
                )
                return redirect("dialogue_detail", slug=invitation.dialogue.slug)
    else:
        request.session[SESSION_KEY] = token
    return render(request, "dialogue/invitation_accept.html", {"invitation": invitation})


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            user=request.user, **{name: form.cleaned_data[name] for name in form.fields}
        )
        response = redirect("profile")
        # The saved preference wins over an earlier switch in this browser.
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        messages.success(request, _("Your profile was saved."))
        return response
    roles = (
        Role.objects.active()
        .filter(user=request.user)
        .select_related("dialogue", "state", "organisation")
    )
    return render(request, "dialogue/profile.html", {"form": form, "roles": roles})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in person's preference is saved too."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(next_or(request, "/"))
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated and request.user.preferred_language != language:
            services.update_profile(user=request.user, preferred_language=language)
    return response

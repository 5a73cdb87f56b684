"""What a person reads when a database constraint refuses a write: a sentence, never the
constraint's name.

Every constraint of every model has its sentence here (``tests/dialogue/test_constraints.py``
enumerates them). Two doors reach a constraint: validation before the write (``full_clean``,
a ``ModelForm``), which ``SentencedConstraints`` answers constraint by constraint, and the
write itself when two requests race past validation, which ``violations_as_sentences`` turns
from an ``IntegrityError`` into a ``ValidationError`` for the service's caller.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router
from django.utils.translation import gettext_lazy as _

SENTENCES: dict[str, Any] = {
    # dialogue
    "thematic_area_unique": _("This dialogue already has a thematic area of that name."),
    "body_unique": _("This dialogue already has a body of that name."),
    "state_code_two_capitals": _("A state's code is two capital letters (ISO 3166-1), e.g. GE."),
    "membership_state_xor_organisation": _(
        "A membership is of one state or of one organisation, not both and not neither."
    ),
    "membership_ends_after_start": _("A membership cannot end before it starts."),
    "membership_one_open_per_state": _(
        "This state already has an open membership in the dialogue: end it first."
    ),
    "membership_one_open_per_organisation": _(
        "This organisation already has an open membership in the dialogue: end it first."
    ),
    "office_ends_after_start": _("An office cannot end before it starts."),
    "role_scope_matches_kind": _(
        "This role does not fit that scope: focal points, delegates and chairs act for a state, "
        "observers for an organisation, the secretariat for neither."
    ),
    "role_one_active_per_kind": _("This person already holds that role."),
    "invitation_one_pending_per_address_and_role": _(
        "An invitation to this address for that role is already waiting to be accepted."
    ),
    # meetings
    "outcome_revision_unique": _("This revision number is already released: release the next."),
    "silence_one_running_per_outcome": _(
        "This outcome is already under silence: extend or withdraw that silence first."
    ),
    "silence_one_objection_per_state": _("Your state has already objected to this silence."),
    "meeting_ends_after_start": _("A meeting must end after it starts."),
    "agenda_item_ends_after_start": _("An item cannot end before it starts."),
    "one_release_per_number": _(
        "Another version of the agenda was released at the same moment: reload and try again."
    ),
    "registration_confirmation_after_nomination": _(
        "Participants confirm after the nominations close, not before."
    ),
    "quota_rule_one_scope": _(
        "A quota is for one kind of member, or for one state, or for one organisation."
    ),
    "quota_funded_within_seats": _("Funded seats are counted among the seats: not more of them."),
    # the meeting in session
    "discussion_one_per_item": _("This item is already under discussion in this sitting."),
    "floor_one_waiting_per_delegation": _(
        "This delegation is already on the list of speakers for this item."
    ),
    "floor_one_speaker_at_a_time": _("Someone already has the floor: end it first."),
    "online_link_one_per_kind": _("This meeting already has that online link in that language."),
    "attendance_one_per_day": _("This participant's attendance is already recorded for that day."),
    "delegation_state_xor_organisation": _(
        "A delegation is of one state or of one organisation, not both and not neither."
    ),
    "delegation_one_per_state": _("This state already has a delegation to the meeting."),
    "delegation_one_per_organisation": _(
        "This organisation already has a delegation to the meeting."
    ),
    "nomination_letter_one_per_version": _(
        "Another letter was uploaded at the same moment: reload and try again."
    ),
    "nomination_one_running_per_person": _(
        "This person is already nominated for the meeting (by this or another delegation)."
    ),
    "nomination_one_head_per_delegation": _("The delegation already has a head of delegation."),
    "nomination_one_per_idempotency_key": _("This nomination was already sent."),
    "nomination_waitlisted_has_position": _("A waitlisted nomination needs its place in line."),
    "nomination_names_a_person": _("A nomination needs the person's e-mail address."),
    "follow_up_one_answer_per_question": _("This question is already answered."),
    "letter_template_one_per_kind": _(
        "The dialogue already has a template for this letter in that language."
    ),
    # documents
    "symbol_counter_unique": _("Another document took this number at the same moment: try again."),
    "document_symbol_unique": _("Another document of this dialogue has that symbol."),
    "document_participants_need_a_meeting": _(
        "A document for the participants of a meeting needs its meeting."
    ),
    "revision_one_per_number": _(
        "Another revision of this language version was uploaded at the same moment: reload and "
        "try again."
    ),
    "receipt_one_per_recipient": _("This person already has this circulation."),
    # notifications
    "one_preference_per_category": _("You already chose how to receive these notifications."),
    "one_follow_per_stream": _("You already follow this."),
    "one_open_email_per_key": _("This e-mail is already waiting to be sent."),
    "outbox_email_has_a_recipient": _("An e-mail needs a recipient."),
    "one_notification_per_event": _("You were already notified of this."),
    # accounts (django-allauth)
    "unique_primary_email": _("This account already has a primary address."),
    "unique_verified_email": _("This address is already verified for another account."),
    "unique_authenticator_type": _("This account already has an authenticator of that kind."),
}


def sentence_for(name: str) -> str:
    """The sentence for a constraint, or a general one for a constraint nobody named here."""
    return str(SENTENCES.get(name, _("This cannot be saved: it contradicts a saved record.")))


class SentencedConstraints(models.Model):
    """The base of a model with constraints: validation (``full_clean``, a ``ModelForm``) says
    each violated constraint's sentence instead of Django's "Constraint “name” is violated"."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        sentences: list[ValidationError] = []
        using = router.db_for_write(self.__class__, instance=self)
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)  # type: ignore[attr-defined]  # every constraint has it; the stubs miss it on the base
                except ValidationError:
                    sentences.append(
                        ValidationError(sentence_for(constraint.name), code=constraint.name)
                    )
        if sentences:
            raise ValidationError(sentences)


def violated(error: IntegrityError) -> str | None:
    """The name of the constraint an ``IntegrityError`` reports, if it is one of ours."""
    text = str(error)
    for name in sorted(SENTENCES, key=len, reverse=True):
        if name in text:
            return name
    return None


@contextmanager
def violations_as_sentences() -> Iterator[None]:
    """Around a service's write: a constraint that refuses it (a race past validation) reaches
    the caller as a ``ValidationError`` with its sentence. Other integrity errors pass."""
    try:
        yield
    except IntegrityError as error:
        name = violated(error)
        if name is None:
            raise
        raise ValidationError(sentence_for(name), code=name) from error

"""The read API's meetings (``/api/v1/meetings/…``): meetings, released agendas and their
changelog, outcomes, and for tokens that may see them registrations, lists of participants and
statistics. Every answer is the policy's, as on the meeting pages."""

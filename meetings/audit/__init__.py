"""The permanent record as the secretariat admin reads it: per meeting, per person and per
object, filtered, and exported as CSV or XLSX (the exports of the lists of participants). The
record itself and its helper are ``dialogue.audit``; its pages live here because the exports
do (``meetings.registration.participants.exports``).
"""

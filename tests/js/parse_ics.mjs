// Reads one iCalendar text on stdin, parses it with ical.js (the parser of Thunderbird's
// calendar) and prints what tests/meetings/test_calendar.py checks, as JSON.
//
// Times are resolved only against the VTIMEZONE components of the file itself (ical.js's
// time zone service is left empty), so a missing or wrong VTIMEZONE shows as a wrong instant
// and as a `startZone` that is not the TZID.
import ICAL from "ical.js";

function iso(time) {
  return time ? time.toJSDate().toISOString() : null;
}

function main(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  if (calendar.name !== "vcalendar") {
    throw new Error(`expected a VCALENDAR, got ${calendar.name}`);
  }
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const start = vevent.getFirstProperty("dtstart");
    const end = vevent.getFirstProperty("dtend");
    const attendee = vevent.getFirstProperty("attendee");
    const organizer = vevent.getFirstProperty("organizer");
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      lastModified: iso(vevent.getFirstPropertyValue("last-modified")),
      dtstamp: iso(vevent.getFirstPropertyValue("dtstamp")),
      summary: event.summary,
      description: event.description,
      location: event.location,
      url: vevent.getFirstPropertyValue("url"),
      relatedTo: vevent.getFirstPropertyValue("related-to"),
      start: iso(event.startDate),
      end: end ? iso(event.endDate) : null,
      tzid: start ? start.getParameter("tzid") || null : null,
      startZone: event.startDate ? event.startDate.zone.tzid : null,
      endZone: end ? event.endDate.zone.tzid : null,
      organizer: organizer ? organizer.getFirstValue() : null,
      attendee: attendee ? attendee.getFirstValue() : null,
    };
  });
  return {
    method: calendar.getFirstPropertyValue("method"),
    version: calendar.getFirstPropertyValue("version"),
    prodid: calendar.getFirstPropertyValue("prodid"),
    timezones: calendar
      .getAllSubcomponents("vtimezone")
      .map((zone) => zone.getFirstPropertyValue("tzid")),
    events,
  };
}

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
process.stdout.write(JSON.stringify(main(Buffer.concat(chunks).toString("utf8"))));

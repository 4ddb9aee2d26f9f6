"""A sanctions proposal as FollowTheMoney entities (JSON lines) for OpenSanctions and Aleph tooling.

For each member: a ``Person``, or an ``Organization`` / ``PublicBody`` (state bodies by their
type: election commissions, administrations, police...), with every name variant (``name`` for
the display name, ``alias`` for the others, those of linked duplicate records included); for each
post held that the proposal cites, a ``Position`` (with the organization it belongs to) and an
``Occupancy``; for each jurisdiction that lists the member, a ``Sanction``. Ids are stable hashes
of Svidok's public ids (``make_id``), so exporting twice gives the same entities.

What is left out on purpose: incidents (Svidok's own records; the dossier cites them), sources of
incidents the exporting user may not see, and anything of a protected person: such a person is
never a member, and if one became protected afterwards, they are not exported at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from followthemoney import model
from followthemoney.proxy import EntityProxy

from svidok.people.models import Organization
from svidok.sanctions.dossier import MemberDossier, build_dossier
from svidok.sanctions.models import Listing, Proposal

# Organization types (data/vocabularies.json, perpetrator_type) that are organs of a state or of
# an occupation authority: exported as PublicBody. Employers, schools, parties, media and armed
# groups outside the state stay Organization.
PUBLIC_BODY_TYPES = frozenset({
    "occupation_administration", "election_commission", "police", "fsb", "prosecutor", "court", "armed_forces",
    "government",
})
# Who lists, for the Sanction entity's ``authority`` and ``country`` (FtM country codes).
AUTHORITIES = {
    Listing.Jurisdiction.EU: ("Council of the European Union", "eu"),
    Listing.Jurisdiction.UK: ("Government of the United Kingdom", "gb"),
    Listing.Jurisdiction.US: ("United States Department of the Treasury", "us"),
    Listing.Jurisdiction.UA: ("National Security and Defense Council of Ukraine", "ua"),
}
PREFIX = "svidok"


def _entity(schema: str, *id_parts) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.make_id(PREFIX, schema.lower(), *id_parts)
    return entity


def organization_schema(organization: Organization) -> str:
    return "PublicBody" if organization.kind_id and organization.kind.code in PUBLIC_BODY_TYPES else "Organization"


def _organization(organization: Organization, names=None) -> EntityProxy:
    entity = _entity(organization_schema(organization), str(organization.uuid))
    entity.add("name", organization.name)
    for variant in names if names is not None else organization.names.all():
        if variant.name != organization.name:
            entity.add("alias", variant.name)
    if organization.kind_id:
        entity.add("classification", organization.kind.label_en)
    if organization.place_id:
        # The gazetteer holds places of Ukraine (occupied or not).
        entity.add("country", "ua")
    return entity


def _party(entry: MemberDossier, source_urls: list[str]) -> EntityProxy | None:
    member = entry.member
    if member.organization_id:
        entity = _organization(member.organization, entry.names)
    else:
        person = member.person
        if person.protected:
            return None
        entity = _entity("Person", str(person.uuid))
        entity.add("name", entry.name)
        for variant in entry.names:
            if variant.name != entry.name:
                entity.add("alias", variant.name)
        if entry.birth_date:
            entity.add("birthDate", entry.birth_date.isoformat())
    if entry.grounds:
        entity.add("notes", entry.grounds)
    entity.add("sourceUrl", source_urls)
    if entry.listed_in:
        entity.add("topics", "sanction")
    return entity


def _sanction(entry: MemberDossier, party: EntityProxy, listing: Listing) -> EntityProxy:
    sanction = _entity("Sanction", entry.member.public_id, listing.jurisdiction, listing.jurisdiction_other)
    sanction.add("entity", party.id)
    authority, country = AUTHORITIES.get(listing.jurisdiction, (listing.jurisdiction_other, None))
    sanction.add("authority", authority)
    sanction.add("country", country)
    entity = listing.reference_entity
    sanction.add("program", (entity.program if entity is not None and entity.program else "") or listing.legal_act)
    if listing.legal_act:
        sanction.add("provisions", listing.legal_act)
    if listing.date:
        sanction.add("startDate", listing.date.isoformat())
        sanction.add("listingDate", listing.date.isoformat())
    if entity is not None:
        sanction.add("authorityId", entity.record_id)
    if listing.source_id and listing.source.url:
        sanction.add("sourceUrl", listing.source.url)
    return sanction


def proposal_entities(proposal: Proposal, user) -> Iterator[EntityProxy]:
    """The FollowTheMoney entities of ``proposal`` as ``user`` may export them (``None``: everything)."""
    dossier = build_dossier(proposal, user)
    emitted: set[str] = set()

    def once(entity: EntityProxy):
        if entity.id not in emitted:
            emitted.add(entity.id)
            yield entity

    for entry in dossier.members:
        refs = sorted({n for p in entry.posts for n in p.refs} | {n for c in entry.incidents for n in c.refs}
                      | {n for _s, r in entry.evidence for n in r})
        urls = [dossier.citations[n - 1].url for n in refs if dossier.citations[n - 1].url]
        party = _party(entry, urls)
        if party is None:
            continue
        yield from once(party)
        for post in entry.posts:
            occupancy = post.occupancy
            position = occupancy.position
            body = _organization(position.organization)
            yield from once(body)
            post_entity = _entity("Position", str(position.uuid))
            post_entity.add("name", f"{position.title}, {position.organization.name}")
            post_entity.add("organization", body.id)
            post_entity.add("country", body.get("country"))
            yield from once(post_entity)
            held = _entity("Occupancy", str(occupancy.person.uuid), str(position.uuid),
                           occupancy.start_date.isoformat() if occupancy.start_date else "")
            held.add("holder", party.id)
            held.add("post", post_entity.id)
            if occupancy.start_date:
                held.add("startDate", occupancy.start_date.isoformat())
            if occupancy.end_date:
                held.add("endDate", occupancy.end_date.isoformat())
                held.add("status", "ended")
            if occupancy.source_id and occupancy.source.url:
                held.add("sourceUrl", occupancy.source.url)
            yield from once(held)
        for listing in entry.listings:
            if listing.status == Listing.Status.LISTED:
                yield from once(_sanction(entry, party, listing))


def write_ftm(proposal: Proposal, user, output) -> int:
    """The entities as JSON lines (one ``{"id", "schema", "properties"}`` object a line) to a text handle."""
    count = 0
    for entity in proposal_entities(proposal, user):
        output.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count

"""Articles read from the news (issue 12, docs/news.md).

An article is kept with an incidents ``Source``: the source holds what every source has (title,
outlet as publisher, address, publication date, language), the article holds what only a read
article has: its text for reviewers, the text's SHA-256, and the article it repeats.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    """The text of one article, read once (the same text is never stored twice: ``text_sha256``
    is unique). A reprint by another outlet, or the same article fetched again with small edits
    or cut short, is stored as its own article pointing at the first (``duplicate_of``), so its
    outlet and address are kept but later stages read the first only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.OneToOneField("incidents.Source", on_delete=models.PROTECT, related_name="article")
    text = models.TextField(_("text"))
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64, unique=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
                                     verbose_name=_("near-duplicate of"))
    # Share of the shorter text's five-word runs found in the other (reading.resemblance).
    resemblance = models.FloatField(_("resemblance"), null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(duplicate_of__isnull=True) | ~models.Q(duplicate_of=models.F("pk")),
                                   name="article_not_duplicate_of_itself"),
        ]

    def __str__(self):
        return self.source.title

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def title(self):
        return self.source.title

    @property
    def outlet(self):
        return self.source.publisher

    @property
    def url(self):
        return self.source.url

    @property
    def published_on(self):
        return self.source.published_on

    @property
    def language(self):
        return self.source.language

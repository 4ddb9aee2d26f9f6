"""The upload handler: every uploaded file goes to a temporary file on disk, never whole into memory,
and a file over ``SVIDOK_EVIDENCE_MAX_BYTES`` is dropped as it arrives, before it fills the disk.

Installed in ``FILE_UPLOAD_HANDLERS`` after Django's in-memory handler (which only takes requests
smaller than ``FILE_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB). The names of the dropped files are kept on
the request (``request.too_large_uploads``) so the page or the API can say which were refused.
"""

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.received = 0
        if content_length is not None and content_length > settings.SVIDOK_EVIDENCE_MAX_BYTES:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SVIDOK_EVIDENCE_MAX_BYTES:
            self._refuse()
        return super().receive_data_chunk(raw_data, start)

    def _refuse(self):
        refused = getattr(self.request, "too_large_uploads", None)
        if refused is None:
            refused = self.request.too_large_uploads = []
        refused.append(self.file_name)
        self.file.close()  # a NamedTemporaryFile: closing deletes it
        raise SkipFile()

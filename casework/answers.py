"""The applicant's answer to an information request, with the documents it usually asks for.

The documents and the answer go together or not at all: the documents are attached through the applications
service (which checks each file by its content), then the request is answered through casework's service, in one
transaction; if anything is refused, no document row remains and the files already stored are deleted.
"""

from django.db import transaction

from applications.services import document_path, document_upload

from .services import case_answer_info

MAX_ANSWER_FILES = 5


def case_answer_info_with_documents(*, request, actor, answer, documents=()):
    """Attach ``documents`` (type "other") to the request's case, then answer it; returns the answered request."""
    stored = []
    try:
        with transaction.atomic():
            for upload in documents:
                stored.append(
                    document_upload(
                        application=request.application, actor=actor, document_type="other", upload=upload
                    )
                )
            return case_answer_info(request=request, actor=actor, answer=answer)
    except Exception:
        for document in stored:
            document_path(document).unlink(missing_ok=True)
        raise

"""API v1 for the knowledge base: documents and search."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge.models import AnswerPolicy, CuratedAnswer, Document
from knowledge.selectors import (
    answer_policy,
    curated_answer_get,
    curated_answers_list,
    document_get,
    documents_list,
    knowledge_search,
)
from knowledge.services import (
    answer_policy_update,
    curated_answer_delete,
    curated_answer_save,
    document_delete,
    document_reindex,
    document_upload,
    note_create,
    web_page_import,
)
from knowledge.uploads import UploadRefused
from knowledge.vectors import VectorStoreUnavailable
from tenants.api_errors import api_error
from tenants.api_filters import UtcDateTimeFilter
from tenants.api_parsers import JSONParser
from tenants.permissions import ContentPermissions, requires
from tenants.roles import Capability


class DocumentOut(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id", "title", "tags", "kind", "original_filename", "source_url", "size_bytes", "status", "progress",
            "chunk_count", "page_count", "error", "embedding_model", "created_at", "updated_at", "indexed_at",
        ]  # fmt: skip


class DocumentIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=255)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Comma-separated.")


def refused(code: str, message: str, http_status: int) -> Response:
    return api_error(code, message, http_status)


class DocumentFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="with_tag", max_length=40, help_text="Only documents with this tag.")
    title = django_filters.CharFilter(lookup_expr="icontains", max_length=200, help_text="Part of the title.")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Document
        fields = ["status", "kind"]

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tags__contains=[value])


class DocumentsApi(ContentPermissions, generics.ListAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = DocumentOut
    filterset_class = DocumentFilter
    ordering_fields = ["created_at", "updated_at", "title"]

    def get_queryset(self) -> QuerySet:
        return documents_list()

    @extend_schema(request={"multipart/form-data": DocumentIn}, responses={202: DocumentOut, 200: DocumentOut})
    def post(self, request: Request) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.KNOWLEDGE_MAX_UPLOAD_BYTES + 64 * 1024:
            limit_mb = settings.KNOWLEDGE_MAX_UPLOAD_BYTES // (1024 * 1024)
            return refused("too_large", f"The file is larger than the {limit_mb} MB limit.", 413)
        data = DocumentIn(data=request.data)
        data.is_valid(raise_exception=True)
        tags = data.validated_data.get("tags", "").split(",")
        try:
            document, created = document_upload(
                upload=data.validated_data["file"],
                title=data.validated_data.get("title", ""),
                tags=tags,
                uploaded_by=request.user.email,
            )
        except UploadRefused as exc:
            return refused("upload_refused", str(exc), exc.status)
        body = {**DocumentOut(document).data, "duplicate": not created}
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class NoteIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=200_000)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20, required=False)


class NotesApi(ContentPermissions, APIView):
    """Write knowledge directly: a note is indexed like an uploaded Markdown file."""

    @extend_schema(request=NoteIn, responses={202: DocumentOut, 200: DocumentOut})
    def post(self, request: Request) -> Response:
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        document, created = note_create(written_by=request.user.email, **data.validated_data)
        body = {**DocumentOut(document).data, "duplicate": not created}
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class WebPageIn(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebPagesApi(ContentPermissions, APIView):
    """Import a public web page by URL; private, loopback and metadata addresses are refused."""

    parser_classes = [JSONParser]

    @extend_schema(request=WebPageIn, responses={202: DocumentOut, 200: DocumentOut})
    def post(self, request: Request) -> Response:
        data = WebPageIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            document, created = web_page_import(imported_by=request.user.email, **data.validated_data)
        except UploadRefused as exc:
            return refused("import_refused", str(exc), exc.status)
        body = {**DocumentOut(document).data, "duplicate": not created}
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class DocumentApi(ContentPermissions, APIView):
    def _document(self, document_id: str) -> Document:
        document = document_get(document_id)
        if document is None:
            raise Http404("No such document.")
        return document

    @extend_schema(responses=DocumentOut)
    def get(self, request: Request, document_id: str) -> Response:
        return Response(DocumentOut(self._document(document_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, document_id: str) -> Response:
        try:
            document_delete(document=self._document(document_id))
        except VectorStoreUnavailable:
            return refused("vector_store_unavailable", "The knowledge store is unreachable; nothing was deleted.", 503)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentReindexApi(ContentPermissions, APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=None, responses={202: DocumentOut})
    def post(self, request: Request, document_id: str) -> Response:
        document = document_get(document_id)
        if document is None:
            raise Http404("No such document.")
        return Response(DocumentOut(document_reindex(document=document)).data, status=status.HTTP_202_ACCEPTED)


class SearchIn(serializers.Serializer):
    q = serializers.CharField(max_length=1000)
    k = serializers.IntegerField(min_value=1, max_value=50, default=5)


class SearchHitOut(serializers.Serializer):
    document = serializers.UUIDField()
    title = serializers.CharField()
    page = serializers.IntegerField(allow_null=True)
    section = serializers.CharField()
    chunk = serializers.IntegerField()
    score = serializers.FloatField()
    text = serializers.CharField()


class SearchResultsOut(serializers.Serializer):
    results = SearchHitOut(many=True)


class SearchApi(APIView):
    permission_classes = [requires(Capability.VIEW_CONTENT)]

    @extend_schema(parameters=[SearchIn], responses=SearchResultsOut)
    def get(self, request: Request) -> Response:
        params = SearchIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            results = knowledge_search(query=params.validated_data["q"], k=params.validated_data["k"])
        except VectorStoreUnavailable:
            return refused("vector_store_unavailable", "The knowledge store is unreachable right now.", 503)
        return Response(SearchResultsOut({"results": results}).data)


class CuratedAnswerIn(serializers.Serializer):
    question = serializers.CharField(max_length=500)
    answer = serializers.CharField(max_length=4000)


class CuratedAnswerOut(serializers.ModelSerializer):
    class Meta:
        model = CuratedAnswer
        fields = ["id", "question", "answer", "hits", "created_at", "updated_at"]
        read_only_fields = fields


class CuratedAnswersApi(ContentPermissions, generics.ListAPIView):
    """Approved answers: a user question close enough to `question` gets `answer`, word for word."""

    parser_classes = [JSONParser]
    serializer_class = CuratedAnswerOut
    ordering_fields = ["created_at", "updated_at", "hits"]

    def get_queryset(self) -> QuerySet:
        return curated_answers_list()

    @extend_schema(request=CuratedAnswerIn, responses={201: CuratedAnswerOut})
    def post(self, request: Request) -> Response:
        data = CuratedAnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        curated = curated_answer_save(created_by=request.user.email, **data.validated_data)
        return Response(CuratedAnswerOut(curated).data, status=status.HTTP_201_CREATED)


class CuratedAnswerApi(ContentPermissions, APIView):
    parser_classes = [JSONParser]

    def _curated(self, curated_id: str) -> CuratedAnswer:
        curated = curated_answer_get(curated_id)
        if curated is None:
            raise Http404("No such approved answer.")
        return curated

    @extend_schema(request=CuratedAnswerIn, responses=CuratedAnswerOut)
    def put(self, request: Request, curated_id: str) -> Response:
        curated = self._curated(curated_id)
        data = CuratedAnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        curated = curated_answer_save(curated=curated, **data.validated_data)
        return Response(CuratedAnswerOut(curated).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, curated_id: str) -> Response:
        curated_answer_delete(curated=self._curated(curated_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnswerPolicyIn(serializers.ModelSerializer):
    """The model's own bounds (0 to 1) check the input; the service saves it."""

    class Meta:
        model = AnswerPolicy
        fields = ["min_source_score", "curated_match_score", "ollama_model"]


class AnswerPolicyOut(serializers.ModelSerializer):
    class Meta:
        model = AnswerPolicy
        fields = ["min_source_score", "curated_match_score", "ollama_model"]
        read_only_fields = fields


class AnswerPolicyApi(ContentPermissions, APIView):
    """Per-creator thresholds and Ollama model."""

    parser_classes = [JSONParser]

    @extend_schema(responses=AnswerPolicyOut)
    def get(self, request: Request) -> Response:
        return Response(AnswerPolicyOut(answer_policy()).data)

    @extend_schema(request=AnswerPolicyIn, responses=AnswerPolicyOut)
    def patch(self, request: Request) -> Response:
        data = AnswerPolicyIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(AnswerPolicyOut(answer_policy_update(**data.validated_data)).data)

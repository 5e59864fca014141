"""URLs of a creator's host (<slug>.PLATFORM_DOMAIN): the hub and the creator API."""

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from analytics.reports import api as analytics_api
from analytics.reports import views as analytics_views
from coaching import api as coaching_api
from coaching import companion_views as coaching_companion_views
from coaching import rules_api as coaching_rules_api
from coaching import rules_views as coaching_rules_views
from coaching import views as coaching_views
from config.content_security import api_reference_policy
from config.health import healthz
from config.views import favicon
from conversations import api as conversations_api
from conversations import companion_views
from conversations import views as conversations_views
from conversations.outlets import webhooks
from knowledge import api as knowledge_api
from knowledge import views as knowledge_views
from tenants import api as tenants_api
from tenants import views as tenants_views

api_v1 = [
    path("token", tenants_api.TokenApi.as_view(), name="api-token"),
    path("token/refresh", tenants_api.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("token/revoke", tenants_api.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me", tenants_api.MeApi.as_view(), name="api-me"),
    path("team/members", tenants_api.TeamMembersApi.as_view(), name="api-team-members"),
    path("team/members/<uuid:member_id>", tenants_api.TeamMemberApi.as_view(), name="api-team-member"),
    path("team/invitations", tenants_api.InvitationsApi.as_view(), name="api-invitations"),
    path("team/invitations/<uuid:invitation_id>", tenants_api.InvitationApi.as_view(), name="api-invitation"),
    path("persona", coaching_api.PersonaApi.as_view(), name="api-persona"),
    path("checkup", coaching_api.CheckupApi.as_view(), name="api-checkup"),
    path("checkup/questions", coaching_api.CheckupQuestionsApi.as_view(), name="api-checkup-questions"),
    path(
        "checkup/questions/<uuid:question_id>", coaching_api.CheckupQuestionApi.as_view(), name="api-checkup-question"
    ),
    path("documents", knowledge_api.DocumentsApi.as_view(), name="api-documents"),
    path("notes", knowledge_api.NotesApi.as_view(), name="api-notes"),
    path("web-pages", knowledge_api.WebPagesApi.as_view(), name="api-web-pages"),
    path("documents/<str:document_id>", knowledge_api.DocumentApi.as_view(), name="api-document"),
    path(
        "documents/<str:document_id>/reindex", knowledge_api.DocumentReindexApi.as_view(), name="api-document-reindex"
    ),
    path("search", knowledge_api.SearchApi.as_view(), name="api-search"),
    path("curated-answers", knowledge_api.CuratedAnswersApi.as_view(), name="api-curated-answers"),
    path("answer-policy", knowledge_api.AnswerPolicyApi.as_view(), name="api-answer-policy"),
    path("curated-answers/<str:curated_id>", knowledge_api.CuratedAnswerApi.as_view(), name="api-curated-answer"),
    path("api-keys", tenants_api.ApiKeysApi.as_view(), name="api-keys"),
    path("api-keys/<uuid:key_id>", tenants_api.ApiKeyApi.as_view(), name="api-key"),
    path("chat", conversations_api.ChatApi.as_view(), name="api-chat"),
    path("chat/stream", conversations_api.ChatStreamApi.as_view(), name="api-chat-stream"),
    path("conversations", conversations_api.ConversationsApi.as_view(), name="api-conversations"),
    path("conversations/<uuid:conversation_id>", conversations_api.ConversationApi.as_view(), name="api-conversation"),
    path(
        "conversations/<uuid:conversation_id>/takeover",
        conversations_api.ConversationTakeOverApi.as_view(),
        name="api-conversation-takeover",
    ),
    path(
        "conversations/<uuid:conversation_id>/read",
        conversations_api.ConversationReadApi.as_view(),
        name="api-conversation-read",
    ),
    path(
        "conversations/<uuid:conversation_id>/hand-back",
        conversations_api.ConversationHandBackApi.as_view(),
        name="api-conversation-hand-back",
    ),
    path(
        "conversations/<uuid:conversation_id>/clear-flag",
        conversations_api.ConversationClearFlagApi.as_view(),
        name="api-conversation-clear-flag",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages",
        conversations_api.MessagesApi.as_view(),
        name="api-conversation-messages",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages/<uuid:message_id>/feedback",
        conversations_api.MessageFeedbackApi.as_view(),
        name="api-message-feedback",
    ),
    path("contacts", conversations_api.ContactsApi.as_view(), name="api-contacts"),
    path("contacts/import", conversations_api.ContactImportApi.as_view(), name="api-contacts-import"),
    path("contacts/<uuid:contact_id>", conversations_api.ContactApi.as_view(), name="api-contact"),
    path(
        "contacts/<uuid:contact_id>/memories",
        conversations_api.ContactMemoriesApi.as_view(),
        name="api-contact-memories",
    ),
    path(
        "contacts/<uuid:contact_id>/memories/<uuid:memory_id>",
        conversations_api.ContactMemoryApi.as_view(),
        name="api-contact-memory",
    ),
    path("contacts/<uuid:contact_id>/tags", conversations_api.ContactTagsApi.as_view(), name="api-contact-tags"),
    path(
        "contacts/<uuid:contact_id>/tags/<str:tag>", conversations_api.ContactTagApi.as_view(), name="api-contact-tag"
    ),
    path("widgets", conversations_api.WidgetsApi.as_view(), name="api-widgets"),
    path("widgets/<uuid:widget_id>", conversations_api.WidgetApi.as_view(), name="api-widget"),
    path("outlets", conversations_api.OutletsApi.as_view(), name="api-outlets"),
    path("outlets/<uuid:outlet_id>", conversations_api.OutletApi.as_view(), name="api-outlet"),
    path(
        "outlets/<uuid:outlet_id>/templates",
        conversations_api.OutletTemplatesApi.as_view(),
        name="api-outlet-templates",
    ),
    path(
        "outlets/<uuid:outlet_id>/templates/<uuid:template_id>",
        conversations_api.OutletTemplateApi.as_view(),
        name="api-outlet-template",
    ),
    path("programs", coaching_api.ProgramsApi.as_view(), name="api-programs"),
    path("sending-window", coaching_api.SendingWindowApi.as_view(), name="api-sending-window"),
    path("programs/draft", coaching_api.ProgramDraftApi.as_view(), name="api-program-draft"),
    path("programs/<uuid:program_id>", coaching_api.ProgramApi.as_view(), name="api-program"),
    path("programs/<uuid:program_id>/steps", coaching_api.ProgramStepsApi.as_view(), name="api-program-steps"),
    path(
        "programs/<uuid:program_id>/steps/order",
        coaching_api.ProgramStepsOrderApi.as_view(),
        name="api-program-steps-order",
    ),
    path(
        "programs/<uuid:program_id>/steps/<uuid:step_id>",
        coaching_api.ProgramStepApi.as_view(),
        name="api-program-step",
    ),
    path("programs/<uuid:program_id>/goals", coaching_api.ProgramGoalsApi.as_view(), name="api-program-goals"),
    path(
        "programs/<uuid:program_id>/goals/<uuid:goal_id>",
        coaching_api.ProgramGoalApi.as_view(),
        name="api-program-goal",
    ),
    path("programs/<uuid:program_id>/publish", coaching_api.ProgramPublishApi.as_view(), name="api-program-publish"),
    path("enrollments", coaching_api.EnrollmentsApi.as_view(), name="api-enrollments"),
    path("enrollments/<uuid:enrollment_id>", coaching_api.EnrollmentApi.as_view(), name="api-enrollment"),
    path(
        "enrollments/<uuid:enrollment_id>/pause",
        coaching_api.EnrollmentActionApi.as_view(change="pause"),
        name="api-enrollment-pause",
    ),
    path(
        "enrollments/<uuid:enrollment_id>/resume",
        coaching_api.EnrollmentActionApi.as_view(change="resume"),
        name="api-enrollment-resume",
    ),
    path(
        "enrollments/<uuid:enrollment_id>/leave",
        coaching_api.EnrollmentActionApi.as_view(change="leave"),
        name="api-enrollment-leave",
    ),
    path(
        "contacts/<uuid:contact_id>/measurements",
        coaching_api.ContactMeasurementsApi.as_view(),
        name="api-contact-measurements",
    ),
    path(
        "contacts/<uuid:contact_id>/reminders", coaching_api.ContactRemindersApi.as_view(), name="api-contact-reminders"
    ),
    path(
        "contacts/<uuid:contact_id>/reminders/<uuid:reminder_id>/cancel",
        coaching_api.ContactReminderCancelApi.as_view(),
        name="api-contact-reminder-cancel",
    ),
    path("rules", coaching_rules_api.RulesApi.as_view(), name="api-rules"),
    path("rules/<uuid:rule_id>", coaching_rules_api.RuleApi.as_view(), name="api-rule"),
    path("rules/<uuid:rule_id>/enable", coaching_rules_api.RuleSwitchApi.as_view(enabled=True), name="api-rule-enable"),
    path(
        "rules/<uuid:rule_id>/disable", coaching_rules_api.RuleSwitchApi.as_view(enabled=False), name="api-rule-disable"
    ),
    path("rules/<uuid:rule_id>/preview", coaching_rules_api.RulePreviewApi.as_view(), name="api-rule-preview"),
    path("rules/<uuid:rule_id>/decisions", coaching_rules_api.RuleDecisionsApi.as_view(), name="api-rule-decisions"),
    path("rules/<uuid:rule_id>/effect", coaching_rules_api.RuleEffectApi.as_view(), name="api-rule-effect"),
    path("approvals", coaching_rules_api.ApprovalsApi.as_view(), name="api-approvals"),
    path("approvals/<uuid:decision_id>", coaching_rules_api.ApprovalApi.as_view(), name="api-approval"),
    path(
        "approvals/<uuid:decision_id>/approve",
        coaching_rules_api.ApprovalApproveApi.as_view(),
        name="api-approval-approve",
    ),
    path(
        "approvals/<uuid:decision_id>/reject",
        coaching_rules_api.ApprovalRejectApi.as_view(),
        name="api-approval-reject",
    ),
    path(
        "contacts/<uuid:contact_id>/decisions",
        coaching_rules_api.ContactDecisionsApi.as_view(),
        name="api-contact-decisions",
    ),
    path("analytics/overview", analytics_api.OverviewApi.as_view(), name="api-analytics-overview"),
    path("analytics/unanswered", analytics_api.UnansweredApi.as_view(), name="api-analytics-unanswered"),
    path("analytics/nudges", analytics_api.NudgesApi.as_view(), name="api-analytics-nudges"),
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_tenant"), name="api-schema"),
    path("docs/", api_reference_policy(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", api_reference_policy(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]

hub = [
    path("", coaching_views.hub_home, name="hub-home"),
    path("handoff/", tenants_views.hub_handoff, name="hub-handoff"),
    path("persona/", coaching_views.persona, name="hub-persona"),
    path("checkup/", coaching_views.checkup, name="hub-checkup"),
    path("checkup/run/", coaching_views.run_checkup, name="hub-checkup-run"),
    path("checkup/questions/", coaching_views.add_checkup_question, name="hub-checkup-question-add"),
    path("programs/", coaching_views.programs, name="hub-programs"),
    path("programs/window/", coaching_views.sending_window, name="hub-sending-window"),
    path("programs/draft/", coaching_views.program_draft_view, name="hub-program-draft"),
    path("programs/<str:program_id>/", coaching_views.program_detail, name="hub-program"),
    path("programs/<str:program_id>/settings/", coaching_views.program_settings, name="hub-program-settings"),
    path("programs/<str:program_id>/steps/", coaching_views.program_step_add, name="hub-program-step-add"),
    path("programs/<str:program_id>/steps/order/", coaching_views.program_steps_order, name="hub-program-steps-order"),
    path("programs/<str:program_id>/steps/<str:step_id>/", coaching_views.program_step_edit, name="hub-program-step"),
    path(
        "programs/<str:program_id>/steps/<str:step_id>/move/",
        coaching_views.program_step_move,
        name="hub-program-step-move",
    ),
    path(
        "programs/<str:program_id>/steps/<str:step_id>/delete/",
        coaching_views.program_step_delete,
        name="hub-program-step-delete",
    ),
    path("programs/<str:program_id>/goals/", coaching_views.program_goal_add, name="hub-program-goal-add"),
    path(
        "programs/<str:program_id>/goals/<str:goal_id>/delete/",
        coaching_views.program_goal_delete,
        name="hub-program-goal-delete",
    ),
    path("programs/<str:program_id>/publish/", coaching_views.program_publish_view, name="hub-program-publish"),
    path("programs/<str:program_id>/archive/", coaching_views.program_archive_view, name="hub-program-archive"),
    path(
        "programs/<str:program_id>/enrollments/",
        coaching_views.program_enrollments,
        name="hub-program-enrollments",
    ),
    path("programs/<str:program_id>/enroll/", coaching_views.program_enroll, name="hub-program-enroll"),
    path("programs/<str:program_id>/enroll/tag/", coaching_views.program_enroll_tag, name="hub-program-enroll-tag"),
    path(
        "programs/<str:program_id>/enrollments/<str:enrollment_id>/<str:action>/",
        coaching_views.program_enrollment_action,
        name="hub-program-enrollment-action",
    ),
    path("rules/", coaching_rules_views.rules, name="hub-rules"),
    path("rules/new/", coaching_rules_views.rule_new, name="hub-rule-new"),
    path("rules/people/<str:contact_id>/", coaching_rules_views.person_decisions, name="hub-rules-person"),
    path("rules/<str:rule_id>/", coaching_rules_views.rule_detail, name="hub-rule"),
    path("rules/<str:rule_id>/edit/", coaching_rules_views.rule_edit, name="hub-rule-edit"),
    path("rules/<str:rule_id>/toggle/", coaching_rules_views.rule_toggle, name="hub-rule-toggle"),
    path("rules/<str:rule_id>/delete/", coaching_rules_views.rule_delete_view, name="hub-rule-delete"),
    path("approvals/", coaching_rules_views.approvals, name="hub-approvals"),
    path("approvals/<str:decision_id>/", coaching_rules_views.approval_view, name="hub-approval"),
    path("analytics/", analytics_views.overview, name="hub-analytics"),
    path("analytics/export.csv", analytics_views.export_csv, name="hub-analytics-export"),
    path("knowledge/", knowledge_views.library, name="hub-knowledge"),
    path("knowledge/status.json", knowledge_views.library_status, name="hub-knowledge-status"),
    path("knowledge/add/", knowledge_views.add_note_or_page, name="hub-knowledge-add"),
    path("knowledge/pinned/", knowledge_views.pinned_answers, name="hub-pinned-answers"),
    path(
        "knowledge/pinned/<str:curated_id>/delete/",
        knowledge_views.pinned_answer_delete,
        name="hub-pinned-answer-delete",
    ),
    path("knowledge/settings/", knowledge_views.answer_settings, name="hub-answer-settings"),
    path("knowledge/<str:document_id>/delete/", knowledge_views.delete, name="hub-knowledge-delete"),
    path("widget/", conversations_views.widget_settings, name="hub-widget"),
    path("inbox/", conversations_views.inbox, name="hub-inbox"),
    path("inbox/<str:conversation_id>/", conversations_views.conversation_detail, name="hub-conversation"),
    path("inbox/<str:conversation_id>/take-over/", conversations_views.take_over, name="hub-conversation-take-over"),
    path("inbox/<str:conversation_id>/hand-back/", conversations_views.hand_back, name="hub-conversation-hand-back"),
    path("inbox/<str:conversation_id>/clear-flag/", conversations_views.clear_flag, name="hub-conversation-clear-flag"),
    path("inbox/<str:conversation_id>/messages/", conversations_views.send, name="hub-conversation-send"),
    path(
        "inbox/<str:conversation_id>/messages/<str:message_id>/rate/",
        conversations_views.rate,
        name="hub-message-rate",
    ),
    path(
        "inbox/<str:conversation_id>/messages/<str:message_id>/correct/",
        conversations_views.correct,
        name="hub-message-correct",
    ),
    path("inbox/<str:conversation_id>/memories/", conversations_views.remember, name="hub-memory-add"),
    path(
        "inbox/<str:conversation_id>/memories/<str:memory_id>/",
        conversations_views.remember,
        name="hub-memory-save",
    ),
    path(
        "inbox/<str:conversation_id>/memories/<str:memory_id>/forget/",
        conversations_views.forget,
        name="hub-memory-forget",
    ),
    path("media/<str:media_id>/", conversations_views.message_media, name="hub-message-media"),
    path("notifications/", conversations_views.notifications, name="hub-notifications"),
    path("notifications/read/", conversations_views.notifications_read, name="hub-notifications-read"),
    path("push/", conversations_views.hub_push_subscribe, name="hub-push"),
    path("push/off/", conversations_views.hub_push_unsubscribe, name="hub-push-off"),
    path("sw.js", conversations_views.hub_service_worker, name="hub-sw"),
    path(
        "notifications/<str:notification_id>/read/",
        conversations_views.notification_read,
        name="hub-notification-read",
    ),
    path("outlets/", conversations_views.outlets, name="hub-outlets"),
    path("outlets/<str:outlet_id>/delete/", conversations_views.outlet_delete, name="hub-outlet-delete"),
    path("outlets/<str:outlet_id>/test/", conversations_views.outlet_test, name="hub-outlet-test"),
    path("outlets/<str:outlet_id>/templates/", conversations_views.outlet_template_add, name="hub-outlet-template-add"),
    path(
        "outlets/<str:outlet_id>/templates/<str:template_id>/delete/",
        conversations_views.outlet_template_delete,
        name="hub-outlet-template-delete",
    ),
    path("team/", tenants_views.team, name="hub-team"),
    path("settings/", tenants_views.creator_settings, name="hub-settings"),
    path("api-keys/", tenants_views.api_keys, name="hub-api-keys"),
    path("api-keys/<uuid:key_id>/revoke/", tenants_views.api_key_revoke_view, name="hub-api-key-revoke"),
    path("team/<int:membership_id>/", tenants_views.team_member_update, name="hub-team-member"),
    path("team/<int:membership_id>/remove/", tenants_views.team_member_remove, name="hub-team-member-remove"),
    path(
        "team/invitations/<int:invitation_id>/withdraw/",
        tenants_views.invitation_withdraw,
        name="hub-invitation-withdraw",
    ),
    path("invitations/<str:token>/", tenants_views.invitation_respond, name="hub-invitation"),
]

companion = [
    path("", companion_views.home, name="app-home"),
    path("sign-in/", companion_views.sign_in, name="app-sign-in"),
    path("sign-out/", companion_views.sign_out, name="app-sign-out"),
    path("auth/<str:token>/", companion_views.auth, name="app-auth"),
    path("link/<str:token>/", companion_views.link, name="app-link"),
    path("memory/<str:memory_id>/forget/", companion_views.forget, name="app-forget"),
    path("programs/", coaching_companion_views.my_programs, name="app-programs"),
    path("programs/<str:program_id>/join/", coaching_companion_views.program_join, name="app-program-join"),
    path(
        "reminders/<str:reminder_id>/cancel/",
        coaching_companion_views.reminder_cancel_view,
        name="app-reminder-cancel",
    ),
    path("push/", companion_views.push_subscribe, name="app-push"),
    path("manifest.webmanifest", companion_views.manifest, name="app-manifest"),
    path("sw.js", companion_views.service_worker, name="app-sw"),
    path("offline/", companion_views.offline, name="app-offline"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="hub-home"), name="creator-home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    # set_language: POST language=es (and next=) stores the choice in the django_language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("hub/", include(hub)),
    path("app/", include(companion)),
    path("widget/<str:key>.js", conversations_views.widget_loader, name="widget-loader"),
    path("widget/<str:key>/", conversations_views.widget_frame, name="widget-frame"),
    path("api/v1/", include(api_v1)),
    # The platforms post here; each outlet has its own URL, so its secret is known before the body is read.
    path("hooks/telegram/<uuid:outlet_id>", webhooks.telegram_webhook, name="hook-telegram"),
    path("hooks/whatsapp/<uuid:outlet_id>", webhooks.whatsapp_webhook, name="hook-whatsapp"),
]

handler400 = "tenants.views.bad_request"

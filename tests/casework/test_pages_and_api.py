from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from applications.models import Status
from casework import services
from tests.factories import deliver_valuation, make_submitted, make_token, make_user

pytestmark = pytest.mark.django_db


def _api(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return api_client


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx)


@freeze_time("2026-03-02 09:00:00")
def test_the_queue_page_and_api_run_a_constant_number_of_queries(
    client, api_client, program, officer, approver
):
    first = make_submitted(program)
    services.case_assign(application=first, officer=officer, actor=approver)
    client.force_login(officer)
    api = _api(api_client, officer)
    urls = [reverse("casework:queue"), reverse("casework:queue") + "?view=overdue&ordering=-amount"]
    client.get(
        urls[0]
    )  # the session's activity stamp is written at most once a minute: not what is counted here

    def cold(url):  # the counts are cached: count the queries of a request that has to make them
        cache.clear()
        return _queries(client, url)

    one = [cold(u) for u in urls] + [_queries(api, "/api/v1/cases/")]
    for _ in range(49):
        services.case_assign(application=make_submitted(program), officer=officer, actor=approver)
    fifty = [cold(u) for u in urls] + [_queries(api, "/api/v1/cases/")]
    assert one == fifty
    # warm: the status counts, the total and the rendered filters (their program list) come from the cache
    assert cold(urls[0]) - 3 == _queries(client, urls[0])
    assert api.get("/api/v1/cases/").json()["count"] == 50


def test_filters_find_cases_by_text_status_and_saved_view(client, program, officer, approver, submitted):
    other = make_submitted(program)
    services.case_assign(application=submitted, officer=officer, actor=approver)
    client.force_login(officer)
    mine = client.get(reverse("casework:queue") + "?view=mine")
    assert [c["id"] for c in mine.context["page"].object_list] == [submitted.pk]
    unassigned = client.get(reverse("casework:queue") + "?view=unassigned")
    assert [c["id"] for c in unassigned.context["page"].object_list] == [other.pk]
    by_text = client.get(reverse("casework:queue") + f"?q={submitted.reference}")
    assert [c["id"] for c in by_text.context["page"].object_list] == [submitted.pk]
    partial = client.get(reverse("casework:queue") + "?status=submitted", HTTP_HX_REQUEST="true")
    assert "casework/_partials/queue_results.html" in [t.name for t in partial.templates]
    assert "<html" not in partial.content.decode()


def test_bad_filter_values_do_not_break_the_queue(client, api_client, officer, submitted):
    client.force_login(officer)
    for query in [
        "?amount_min=abc",
        "?due_within=-5",
        "?submitted_from=notadate",
        "?q=%00",
        "?program=999999",
    ]:
        assert client.get(reverse("casework:queue") + query).status_code == 200, query
    api = _api(api_client, officer)
    assert api.get("/api/v1/cases/?amount_min=abc").status_code == 400


def test_staff_of_another_agency_and_applicants_get_404_on_cases(
    client, api_client, submitted, other_agency, applicant
):
    outsider = make_user("case_officer", other_agency)
    client.force_login(outsider)
    assert client.get(reverse("casework:case", args=[submitted.pk])).status_code == 404
    assert client.post(reverse("casework:action", args=[submitted.pk, "start_screening"])).status_code == 404
    assert client.get(reverse("casework:queue")).context["page"].paginator.count == 0
    api = _api(api_client, outsider)
    assert api.get(f"/api/v1/cases/{submitted.pk}/").status_code == 404
    assert api.post(f"/api/v1/cases/{submitted.pk}/start-screening/").status_code == 404
    client.force_login(applicant)
    assert client.get(reverse("casework:queue")).status_code == 404
    assert client.get(reverse("casework:case", args=[submitted.pk])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_an_illegal_move_is_a_409_in_the_api_and_a_message_in_the_ui(client, api_client, officer, submitted):
    api = _api(api_client, officer)
    response = api.post(f"/api/v1/cases/{submitted.pk}/start-credit-review/")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    client.force_login(officer)
    page = client.post(reverse("casework:action", args=[submitted.pk, "start_credit_review"]), follow=True)
    assert page.status_code == 200
    assert "cannot be moved" in page.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_refused_request_keeps_what_the_officer_typed(client, officer, submitted):
    client.force_login(officer)
    client.post(reverse("casework:action", args=[submitted.pk, "start_screening"]))
    response = client.post(
        reverse("casework:action", args=[submitted.pk, "request_info"]),
        {"question": "Please send the 2025 audited accounts", "due_date": "2001-01-01"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please send the 2025 audited accounts" in body and "must be after today" in body


def test_the_officer_works_the_case_on_the_page_and_the_applicant_answers(
    client, officer, approver, applicant, submitted
):
    client.force_login(officer)
    case_url = reverse("casework:case", args=[submitted.pk])
    assert client.get(case_url).status_code == 200
    client.post(reverse("casework:action", args=[submitted.pk, "start_screening"]))
    client.post(
        reverse("casework:action", args=[submitted.pk, "request_info"]),
        {"question": "Who owns patent 1?", "due_date": (date.today() + timedelta(days=5)).isoformat()},
    )
    client.post(
        reverse("casework:action", args=[submitted.pk, "note"]), {"kind": "internal", "body": "Secret doubt"}
    )
    client.force_login(applicant)
    applicant_page = client.get(reverse("applications:detail", args=[submitted.pk])).content.decode()
    assert "Who owns patent 1?" in applicant_page and "Secret doubt" not in applicant_page
    info = submitted.info_requests.get()
    client.post(reverse("casework:answer", args=[info.pk]), {"answer": "We do, since 2019."})
    submitted.refresh_from_db()
    assert submitted.status == Status.SCREENING
    client.force_login(officer)
    for action, data in [
        ("checklist", {"documents_complete": "on", "eligibility_confirmed": "on", "identity_checked": "on"}),
        ("send_to_valuation", {}),
    ]:
        client.post(reverse("casework:action", args=[submitted.pk, action]), data)
    submitted.refresh_from_db()
    refused = client.post(reverse("casework:action", args=[submitted.pk, "start_credit_review"]), follow=True)
    assert "Order a valuation first" in refused.content.decode()
    deliver_valuation(submitted, officer)
    client.post(reverse("casework:action", args=[submitted.pk, "start_credit_review"]))
    criteria = list(submitted.program.rubric.all())
    client.post(
        reverse("casework:action", args=[submitted.pk, "scores"]),
        {**{f"score_{c.pk}": "4" for c in criteria}, **{f"comment_{c.pk}": "fine" for c in criteria}},
    )
    client.post(reverse("casework:action", args=[submitted.pk, "recommend"]), {"conditions": ""})
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDED
    own = client.post(
        reverse("casework:action", args=[submitted.pk, "decide"]),
        {"outcome": "approve", "reason_code": "A00"},
    )
    assert own.status_code == 400  # the officer is not an approver
    client.force_login(approver)
    client.post(
        reverse("casework:action", args=[submitted.pk, "decide"]),
        {"outcome": "approve", "reason_code": "A00", "comment": "Congratulations"},
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    client.force_login(applicant)
    assert "Approved" in client.get(reverse("applications:detail", args=[submitted.pk])).content.decode()


def test_internal_notes_never_reach_the_applicant_through_the_api(api_client, officer, applicant, submitted):
    services.case_note_add(application=submitted, actor=officer, body="Doubtful", kind="internal")
    api = _api(api_client, applicant)
    assert api.get(f"/api/v1/cases/{submitted.pk}/notes/").status_code == 404
    detail = api.get(f"/api/v1/applications/{submitted.pk}/").json()
    assert "Doubtful" not in str(detail)


def test_queue_rows_escape_what_users_typed_and_show_each_column(client, program, officer, approver):
    case = make_submitted(program, requested_amount=123_456_789)
    case.company.legal_name = '<script>alert("x")</script> & Co'
    case.company.credit_grade = "BB"
    case.company.save()
    services.case_assign(application=case, officer=officer, actor=approver)
    client.force_login(officer)
    html = client.get(reverse("casework:queue")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    row = html[html.index(f'id="sel-{case.pk}"') :]
    row = row[: row.index("</tr>")]
    link = reverse("casework:case", args=[case.pk])
    for text in [
        f'href="{link}"',
        f">{case.reference}</a>",
        "123,456,789 KRW",
        "<td>BB</td>",
        officer.email,
        f"<td>{case.get_status_display()}</td>",
    ]:
        assert text in row, text


def test_the_cached_filters_follow_the_query_and_the_language(client, program, officer):
    client.force_login(officer)
    url = reverse("casework:queue")
    assert 'value="submitted" selected' not in client.get(url).content.decode()
    assert 'value="submitted" selected' in client.get(url + "?status=submitted").content.decode()
    assert 'value="submitted" selected' not in client.get(url).content.decode()
    assert ">Apply</button>" in client.get(url).content.decode()
    client.cookies["django_language"] = "ko"
    assert ">적용</button>" in client.get(url).content.decode()


def test_in_korean_the_submitted_status_and_the_submission_date_column_read_differently(
    client, program, officer
):
    make_submitted(program)
    client.force_login(officer)
    client.cookies["django_language"] = "ko"
    html = client.get(reverse("casework:queue")).content.decode()
    assert '<th scope="col">제출일</th>' in html  # the column: the date of submission
    assert "<td>제출 완료</td>" in html  # the status of the case

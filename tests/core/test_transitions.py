"""The one transition helper: a move happens only as its table says, by the roles it names, with a second person
where it asks for one; a refusal changes nothing, records nothing and queues nothing."""

import pytest

from accounts.roles import Role
from applications.models import Encumbrance, IPAsset
from core.errors import IllegalTransition, PermissionRefused
from core.transitions import SYSTEM, Move, Table, move, move_many
from tests.factories import IPAssetFactory, make_user

pytestmark = pytest.mark.django_db

TABLE = Table(
    "test",
    [
        Move(
            Encumbrance.FREE,
            "pledge",
            Encumbrance.PLEDGED,
            frozenset({Role.CASE_OFFICER}),
            audit="test.pledged",
        ),
        Move(
            Encumbrance.PLEDGED,
            "take_over",
            Encumbrance.TAKEN_OVER,
            frozenset({Role.APPROVER}),
            True,
            "test.taken",
        ),
        Move(Encumbrance.PLEDGED, "release", Encumbrance.FREE, frozenset({SYSTEM})),
    ],
)


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, **event):
        self.events.append(event)


def _move(asset, action, actor, recorder, **kwargs):
    return move(
        obj=asset,
        table=TABLE,
        action=action,
        actor=actor,
        record=recorder,
        state_field="encumbrance",
        **kwargs,
    )


def _state(asset):
    return IPAsset.objects.get(pk=asset.pk).encumbrance


def test_an_allowed_move_writes_the_new_state_and_records_actor_and_old_and_new_state(officer):
    asset, recorder = IPAssetFactory(), Recorder()
    _move(asset, "pledge", officer, recorder)
    assert _state(asset) == Encumbrance.PLEDGED and asset.encumbrance == Encumbrance.PLEDGED
    assert [(e["actor"], e["action"], e["old_state"], e["new_state"]) for e in recorder.events] == [
        (officer, "test.pledged", Encumbrance.FREE, Encumbrance.PLEDGED)
    ]


def test_a_refused_role_changes_nothing_records_nothing_and_queues_nothing(
    approver, django_capture_on_commit_callbacks
):
    asset, recorder, ran = IPAssetFactory(), Recorder(), []
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionRefused) as refused:
        _move(asset, "pledge", approver, recorder, on_commit=lambda: ran.append(1))
    assert refused.value.code == "role_refused"
    assert (_state(asset), recorder.events, ran) == (Encumbrance.FREE, [], [])


def test_a_second_person_move_needs_a_maker_who_is_not_the_checker(officer, approver, agency):
    asset, recorder = IPAssetFactory(), Recorder()
    _move(asset, "pledge", officer, recorder)
    for maker in (None, approver):
        with pytest.raises(PermissionRefused) as refused:
            _move(asset, "take_over", approver, recorder, maker=maker)
        assert refused.value.code == "four_eyes" and _state(asset) == Encumbrance.PLEDGED
    second_approver = make_user(Role.APPROVER, agency)
    _move(asset, "take_over", second_approver, recorder, maker=approver)
    assert _state(asset) == Encumbrance.TAKEN_OVER


def test_a_move_not_in_the_table_is_refused_and_changes_nothing(officer):
    asset, recorder = IPAssetFactory(), Recorder()
    with pytest.raises(IllegalTransition) as refused:
        _move(asset, "take_over", officer, recorder)
    assert refused.value.status_code == 409 and refused.value.details["status"] == Encumbrance.FREE
    assert (_state(asset), recorder.events) == (Encumbrance.FREE, [])


def test_the_system_takes_only_the_moves_its_role_is_named_in(officer):
    asset, recorder = IPAssetFactory(), Recorder()
    with pytest.raises(PermissionRefused):
        _move(asset, "pledge", None, recorder)
    _move(asset, "pledge", officer, recorder)
    with pytest.raises(PermissionRefused):  # a person does not take the system's move
        _move(asset, "release", officer, recorder)
    _move(asset, "release", None, recorder)
    assert _state(asset) == Encumbrance.FREE


def test_side_effects_run_only_once_the_move_commits(officer, django_capture_on_commit_callbacks):
    asset, ran = IPAssetFactory(), []
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _move(asset, "pledge", officer, Recorder(), on_commit=lambda: ran.append("sent"))
        assert ran == []
    assert len(queued) == 1
    queued[0]()
    assert ran == ["sent"]


def test_the_table_answers_the_set_based_jobs_questions():
    assert TABLE.sources("release") == {Encumbrance.PLEDGED}
    assert TABLE.target(Encumbrance.FREE, "pledge") == Encumbrance.PLEDGED
    assert TABLE.target(Encumbrance.FREE, "release") is None


def _many(rows, recorder, actor=None):
    return move_many(
        model=IPAsset,
        table=TABLE,
        rows=rows,
        actor=actor,
        record_many=lambda moves: recorder.events.extend(moves),
        state_field="encumbrance",
    )


def test_many_moves_are_checked_like_one_and_a_refusal_changes_nothing():
    pledged, free, recorder = IPAssetFactory(), IPAssetFactory(), Recorder()
    IPAsset.objects.filter(pk=pledged.pk).update(encumbrance=Encumbrance.PLEDGED)
    release = [(pledged.pk, Encumbrance.PLEDGED, [("release", {})])]
    with pytest.raises(PermissionRefused):  # the system may release, not pledge
        _many([*release, (free.pk, Encumbrance.FREE, [("pledge", {})])], recorder)
    with pytest.raises(IllegalTransition):  # nothing is released from FREE
        _many([*release, (free.pk, Encumbrance.FREE, [("release", {})])], recorder)
    assert (_state(pledged), _state(free), recorder.events) == (Encumbrance.PLEDGED, Encumbrance.FREE, [])


def test_many_moves_write_only_the_rows_still_in_their_expected_state_and_record_each_step():
    first, second, recorder = IPAssetFactory(), IPAssetFactory(), Recorder()
    IPAsset.objects.filter(pk__in=[first.pk, second.pk]).update(encumbrance=Encumbrance.PLEDGED)
    IPAsset.objects.filter(pk=second.pk).update(encumbrance=Encumbrance.TAKEN_OVER)  # moved meanwhile
    steps = [("release", {"why": "repaid"})]
    moves = _many([(first.pk, Encumbrance.PLEDGED, steps), (second.pk, Encumbrance.PLEDGED, steps)], recorder)
    assert moves == recorder.events == [(first.pk, "pledged", "free", "", {"why": "repaid"})]
    assert (_state(first), _state(second)) == (Encumbrance.FREE, Encumbrance.TAKEN_OVER)
    assert _many([(first.pk, Encumbrance.PLEDGED, steps)], recorder) == []  # a second run: nothing to do

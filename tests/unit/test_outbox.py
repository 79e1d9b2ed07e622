"""The outbox: newest first, bounded, with a read flag and removal that its listeners (saved state) hear about."""

from __future__ import annotations

from resetkit.outbox import Message, Outbox


def sent(outbox: Outbox, n: int = 0, channel: str = "email") -> Message:
    return outbox.send(vendor="v", channel=channel, to="a@b.c", sender="s", subject=f"#{n}", text="", now=n)  # type: ignore[arg-type]


def test_past_its_capacity_the_oldest_message_goes() -> None:
    outbox = Outbox(capacity=2)
    for n in range(3):
        sent(outbox, n)
    assert [m.subject for m in outbox.find()] == ["#2", "#1"] and len(outbox) == 2


def test_a_message_is_unread_until_marked_read_and_can_be_marked_unread_again() -> None:
    outbox = Outbox()
    message = sent(outbox)
    assert not message.read
    (marked,) = outbox.mark_read([message.id])
    assert marked.read and outbox.get(message.id) == marked
    outbox.mark_read([message.id], read=False)
    assert not outbox.get(message.id).read  # type: ignore[union-attr]


def test_marking_tells_the_change_listeners_only_what_changed() -> None:
    outbox, heard = Outbox(), []
    outbox.on_change(heard.append)
    first, second = sent(outbox), sent(outbox)
    outbox.mark_read([first.id])
    outbox.mark_read([first.id, second.id, "404"])
    assert [(m.id, m.read) for m in heard] == [(first.id, True), (second.id, True)]


def test_removed_messages_are_gone_and_their_ids_told() -> None:
    outbox, heard = Outbox(), []
    outbox.on_remove(heard.append)
    first, second = sent(outbox), sent(outbox)
    assert outbox.remove([first.id, "404", first.id]) == [first.id]
    assert [m.id for m in outbox.find()] == [second.id] and heard == [[first.id]]


def test_removing_nothing_tells_nobody() -> None:
    outbox, heard = Outbox(), []
    outbox.on_remove(heard.append)
    outbox.remove(["1"])
    assert heard == []


def test_find_keeps_what_a_predicate_accepts() -> None:
    outbox = Outbox()
    sent(outbox, 1)
    wanted = sent(outbox, 2, channel="sms")
    assert outbox.find(keep=lambda m: m.channel == "sms") == [wanted]


def test_latest_is_the_newest_message() -> None:
    outbox = Outbox()
    assert outbox.latest() is None
    sent(outbox, 1)
    newest = sent(outbox, 2)
    assert outbox.latest() == newest

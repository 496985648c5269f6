"""What belongs to the content survives extraction: lists and tables inside an article's container,
the posts of a forum thread (hand-written pages, no dev-set text). Comment threads under a news
article are boilerplate."""
from __future__ import annotations

from transforms import Reject, extract

NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/about">About us</a></li></ul></nav>'
FOOT = '<footer><p>Copyright 2025 Harbor Gazette. All rights reserved.</p><p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></p></footer>'
RELATED = ('<aside><h3>Related stories</h3><ul>' + "".join(
    f'<li><a href="/s/{i}">Council approves another budget line for the parks department number {i}</a></li>' for i in range(5))
    + '</ul></aside>')

ITEMS = ["Friday at six: the opening parade along the old quay",
         "Saturday morning: rowing heats for school crews",
         "Saturday evening: a concert by the town brass band",
         "Sunday: the tall ship open day and the closing fireworks"]
ROWS = [("Rowing final", "Saturday", "Free"), ("Brass band concert", "Saturday", "Five pounds"),
        ("Tall ship tour", "Sunday", "Two pounds")]


def article_page() -> bytes:
    table = "<table><tr><th>Event</th><th>Day</th><th>Tickets</th></tr>" + "".join(
        f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in ROWS) + "</table>"
    body = (
        "<article><h1>The harbor festival returns with a full weekend program</h1>"
        "<p>After a two-year pause, the harbor festival is back this summer, and the organisers say the program is the "
        "largest they have put together since the event began, with crews and bands coming from across the county.</p>"
        "<p>Volunteers have spent the spring repairing the stalls on the quay, and the council has agreed to close the "
        "harbor road to traffic for the whole weekend so that families can walk safely between the venues.</p>"
        "<p>The organisers published the schedule for the three days:</p>"
        "<ul>" + "".join(f"<li>{t}</li>" for t in ITEMS) + "</ul>"
        "<p>Tickets are needed for some of the events, and the prices were announced on Monday:</p>" + table +
        "<p>The festival committee said that any money left after costs will go to the lifeboat station, as it has "
        "every year since the first festival was held on the quay more than thirty years ago.</p></article>")
    return f"<html><head><title>Harbor festival returns</title></head><body>{NAV}<main>{body}{RELATED}</main>{FOOT}</body></html>".encode()


POSTS = [
    ("marlin_42", "I have a small sailboat that stays on a trailer in my yard over the winter. What do I need to do to "
                  "keep the engine and the plumbing from freezing when the temperature drops below zero?"),
    ("old_salt", "Drain every water line first, then run non-toxic antifreeze through the pump until it comes out pink at "
                 "every outlet. Do the same for the engine cooling circuit if it is raw water cooled."),
    ("harbor_jen", "Also take the sails and cushions home. Damp canvas left under a cover all winter grows mildew, and it "
                   "is much cheaper to store them in a dry garage than to replace them in the spring."),
    ("marlin_42", "Thanks, both of you. I drained the lines this weekend and the sails are already in the garage. Is "
                  "fogging oil still recommended for an outboard that will sit for four months?"),
    ("pete_r", "Yes, fog the cylinders and stabilise the fuel. I have done it for ten years on my outboard and it has "
               "started on the first pull every spring without any trouble at all."),
]


def forum_page() -> bytes:
    posts = "".join(
        f'<div class="post" id="post-{i}"><div class="post-meta"><a href="/u/{u}">{u}</a> <span>Posted 12 Jan 2025</span>'
        f'</div><div class="post-body"><p>{t}</p></div><div class="post-actions"><a href="#">Reply</a> <a href="#">Quote</a>'
        f'</div></div>'
        for i, (u, t) in enumerate(POSTS))
    return (f"<html><head><title>Winterizing a small sailboat - Boating Forum</title></head><body>{NAV}"
            f'<div class="thread"><h1>Winterizing a small sailboat on a trailer</h1>{posts}</div>'
            f"{RELATED}{FOOT}</body></html>").encode()


def news_with_comments() -> bytes:
    page = article_page().decode()
    comments = '<section class="comments" id="comments"><h3>12 comments</h3>' + "".join(
        f'<div class="comment"><a href="/u/{u}">{u}</a><p>{t}</p></div>' for u, t in POSTS[:3]) + "</section>"
    return page.replace("</article>", f"</article>{comments}").encode()


def test_list_and_table_inside_an_article_survive():
    rec = extract(article_page(), "festival.html")
    assert not isinstance(rec, Reject), rec
    text = rec["text"]
    for item in ITEMS:
        assert item in text, f"list item lost: {item!r}"
    for row in ROWS:
        for cell in row:
            assert cell in text, f"table cell lost: {cell!r}"
    assert "After a two-year pause" in text and "lifeboat station" in text
    assert "parks department number" not in text   # the related-story list outside the article
    assert "All rights reserved" not in text


def test_forum_thread_keeps_its_posts():
    rec = extract(forum_page(), "thread.html")
    assert not isinstance(rec, Reject), rec
    for _user, post in POSTS:
        assert post[:60] in rec["text"], f"forum post lost: {post[:60]!r}"
    assert "parks department number" not in rec["text"]


def test_comment_thread_under_a_news_article_is_boilerplate():
    rec = extract(news_with_comments(), "festival-comments.html")
    assert not isinstance(rec, Reject), rec
    assert "After a two-year pause" in rec["text"] and ITEMS[0] in rec["text"]
    for _user, post in POSTS[:3]:
        assert post[:60] not in rec["text"], f"a reader comment was kept: {post[:60]!r}"

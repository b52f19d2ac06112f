"""Template context shared by every page."""

from django.urls import reverse


def navigation(request):
    """Return the navigation links the signed-in user may follow, in the order they appear."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    links = [
        ("Home", reverse("home")),
        ("Plans", reverse("plan_list")),
        ("My returns", reverse("my_returns")),
        ("Reporting rounds", reverse("rounds")),
        ("Dashboards", reverse("dashboard_overview")),
        ("Spreadsheets", reverse("imports")),
    ]
    if user.is_staff:
        links.append(("Administration", reverse("admin:index")))
    path = request.path
    return {
        "navigation": [
            {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
            for label, url in links
        ]
    }

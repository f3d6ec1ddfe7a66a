"""SharePoint's user profile REST API, only ``PeopleManager/GetPropertiesFor``.

Shape from public code (koltyakov/sp-metadata ``SP.UserProfiles/EntityTypes/PersonProperties``):
``AccountName``, ``DisplayName``, ``Email``, ``PictureUrl``, ``UserProfileProperties``. For an
account the tenant does not know, SharePoint is assumed to answer an empty entity, shown here as
``{"odata.null": true}`` (not verified on a tenant; the tool treats 404 the same way).
"""

from __future__ import annotations

import re

from .context import SimContext
from .rp import session_user
from .web import Request, Response, Router, json_response, text

CLAIM = re.compile(r"^'?(?:i:0#\.f\|membership\|)?(?P<upn>[^']*)'?$", re.IGNORECASE)


def add_people_api(router: Router, ctx: SimContext) -> None:
    """Route ``/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='…'``."""

    def properties(req: Request) -> Response:
        if session_user(ctx, req, "sp") is None:
            return text("Unauthorized", 401)
        match = CLAIM.match(req.arg("@v"))
        user = ctx.state.user(match.group("upn")) if match else None
        if user is None:
            return json_response({"odata.null": True})
        has_copy = ctx.state.sharepoint_copy(user.upn) is not None
        return json_response(
            {
                "AccountName": f"i:0#.f|membership|{user.upn}",
                "DisplayName": user.display_name,
                "Email": user.upn,
                "PictureUrl": (
                    f"{ctx.urls.mysite}/User Photos/Profile Pictures/"
                    f"{user.personal_segment}_MThumb.jpg"
                    if has_copy
                    else None
                ),
                "UserProfileProperties": [
                    {"Key": "SPS-PicturePlaceholderState", "Value": "0" if has_copy else "1"}
                ],
            }
        )

    router.add(
        "GET",
        r"/_api/SP\.UserProfiles\.PeopleManager/GetPropertiesFor\(accountName=@v\)",
        properties,
    )

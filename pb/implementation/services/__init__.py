"""Implementation of funded PB projects, by subject:

- :mod:`~pb.implementation.services.records`: the records (made when a result is published, through
  the tally's ``on_published``), staff's edits and their rules, the lists the pages read;
- :mod:`~pb.implementation.services.updates`: public timeline updates with photos;
- :mod:`~pb.implementation.services.following`: following a project, and the signed unfollow link;
- :mod:`~pb.implementation.services.story`: what the public story page tells.

Services flush and never commit; views commit (pb.transactions). Callers use the package; the
submodules import each other directly.
"""

from pb.implementation.services.following import (
    FollowError,
    follow,
    followed_by,
    follower_count,
    follower_row,
    is_following,
    read_unfollow_token,
    unfollow,
    unfollow_token,
)
from pb.implementation.services.records import (
    EDITABLE,
    RecordRefused,
    check_values,
    create_for_run,
    record_of_project,
    records_of_round,
    rounds_with_records,
    staff_overview,
    update_record,
)
from pb.implementation.services.story import IdeaOrigin, VoteResult, ideas_of, spent_share, vote_result
from pb.implementation.services.updates import (
    MAIL_FOLLOWERS,
    PHOTO_TYPES,
    UpdateRefused,
    mail_job_id,
    post_update,
    store_photo,
)

__all__ = [
    "EDITABLE",
    "MAIL_FOLLOWERS",
    "PHOTO_TYPES",
    "FollowError",
    "IdeaOrigin",
    "RecordRefused",
    "UpdateRefused",
    "VoteResult",
    "check_values",
    "create_for_run",
    "follow",
    "followed_by",
    "follower_count",
    "follower_row",
    "ideas_of",
    "is_following",
    "mail_job_id",
    "post_update",
    "read_unfollow_token",
    "record_of_project",
    "records_of_round",
    "rounds_with_records",
    "spent_share",
    "staff_overview",
    "store_photo",
    "unfollow",
    "unfollow_token",
    "update_record",
    "vote_result",
]

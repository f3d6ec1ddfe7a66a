"""Work without the user's password: audits of many users as the helpdesk's own account
(``check``) and the user's own re-sync, watched from outside (``guide``)."""

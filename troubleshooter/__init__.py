"""troubleshooter: trigger and prove Microsoft 365 profile photo re-sync in SharePoint Online."""

__version__ = "0.1.0"

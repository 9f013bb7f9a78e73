"""Outgoing email (aiosmtplib) and SMS gateways behind one small interface, with their templates."""

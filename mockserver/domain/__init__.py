"""The mock's domain: every Pixxel operation as a plain Python call, free of HTTP.

One module per resource, each holding that resource's rules (what a valid store is, how an order
item resolves to catalogs, how a delivery's status is derived) and testable without a server:

* :mod:`.workspaces`: API key → workspace, and each workspace's clock reading;
* :mod:`.documents`: what every room does alike with stored documents (private fields, 409s);
* :mod:`.schedule`: the timeline a new asynchronous resource gets (overrides, then defaults);
* :mod:`.stores`, :mod:`.catalogs`, :mod:`.deliveries`, :mod:`.downloads`, :mod:`.aois`;
* :mod:`.reference`: satellites, projects and order items from the fixtures;
* :mod:`.control`: the /_mock control API (clock, reset, overrides).

:class:`mockserver.service.MockService` only builds these and wires them together. None of them
imports Flask or Connexion; the state store keeps their rows and knows none of their code.
"""

"""Thin HTTP handlers of the Pixxel API, one module per resource.

Handlers only unpack what Connexion validated, call one room of the domain
(:mod:`mockserver.domain`, reached through :class:`~mockserver.service.MockService`) and return
its dict with the live API's status code. :mod:`mockserver.handlers` ties operationIds to them.
"""

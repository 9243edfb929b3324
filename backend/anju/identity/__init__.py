"""The ID authority (人证一致): the adapter Anju calls and a simulator to call locally.

``contract`` holds the request signing both sides share, ``client`` the adapter the
web and worker processes use, ``population`` the synthetic people the simulator
knows, and ``simulator`` a small HTTP service standing in for the authority.
docs/id-authority.md describes the HTTP contract.
"""

"""The GraphQL schema: one module per domain, merged here."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.tools import merge_types
from strawberry.types import Info

from api.permissions.fields import allow
from api.schema.accounts import AccountsMutation, AccountsQuery, ApiTokenNode, UserNode
from api.schema.activities import (
    ActivitiesMutation,
    ActivitiesQuery,
    ActivityNode,
    CampaignNode,
    DocumentNode,
    ReminderNode,
    SubtagNode,
    TagGroupNode,
    TagNode,
)
from api.schema.addresses import (
    AddressesMutation,
    AddressesQuery,
    AddressNode,
    ContactPersonNode,
)
from api.schema.crm import AccountGroupNode, CrmMutation, CrmQuery, TeamNode, TerritoryNode
from api.schema.nodes import node_registry, resolve_node
from api.schema.notifications import NotificationNode, NotificationsQuery
from api.schema.planning import (
    ContactPlanMemberNode,
    ContactPlanNode,
    OrderNode,
    PlanningMutation,
    PlanningQuery,
    ScheduledContactNode,
)
from api.schema.promotion_workflow import PromotionsMutation, PromotionsQuery
from api.schema.promotions import (
    AppointmentNode,
    BookingNode,
    LocationNode,
    ProjectNode,
    PromoterNode,
    ReportFieldNode,
    ReportNode,
    TimeEntryNode,
)
from api.schema.tasks import TaskNode, TasksMutation

NODES = node_registry(
    UserNode,
    ApiTokenNode,
    AccountGroupNode,
    TeamNode,
    TerritoryNode,
    AddressNode,
    ContactPersonNode,
    ActivityNode,
    CampaignNode,
    SubtagNode,
    TagNode,
    TagGroupNode,
    DocumentNode,
    ReminderNode,
    TaskNode,
    ProjectNode,
    LocationNode,
    AppointmentNode,
    BookingNode,
    PromoterNode,
    ReportNode,
    ReportFieldNode,
    TimeEntryNode,
    ContactPlanNode,
    ContactPlanMemberNode,
    OrderNode,
    ScheduledContactNode,
    NotificationNode,
)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        extensions=allow(),
        description="Any object by its global ID; null when it does not exist or is hidden.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await resolve_node(info, NODES, str(id))


Query = merge_types(
    "Query",
    (
        NodeQuery,
        AccountsQuery,
        CrmQuery,
        AddressesQuery,
        ActivitiesQuery,
        PromotionsQuery,
        PlanningQuery,
        NotificationsQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountsMutation,
        CrmMutation,
        AddressesMutation,
        ActivitiesMutation,
        TasksMutation,
        PromotionsMutation,
        PlanningMutation,
    ),
)

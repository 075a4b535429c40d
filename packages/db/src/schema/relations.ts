import { relations } from 'drizzle-orm';
import { userAggregators } from './aggregators';
import {
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
} from './collectives';
import { endpointStars, endpoints, endpointUptimeSamples } from './endpoints';
import { oauthClients, oauthGrants, oauthRefreshTokens } from './oauth';
import { apiTokens, refreshTokens, users } from './users';

// Relations only feed drizzle's relational query API (`db.query.x.findMany({ with })`); they create no SQL.

export const usersRelations = relations(users, ({ many }) => ({
  endpoints: many(endpoints),
  apiTokens: many(apiTokens),
  refreshTokens: many(refreshTokens),
  aggregators: many(userAggregators),
  stars: many(endpointStars),
  collectives: many(collectives),
}));

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
}));

export const refreshTokensRelations = relations(refreshTokens, ({ one }) => ({
  user: one(users, { fields: [refreshTokens.userId], references: [users.id] }),
}));

export const userAggregatorsRelations = relations(userAggregators, ({ one }) => ({
  user: one(users, { fields: [userAggregators.userId], references: [users.id] }),
}));

export const endpointsRelations = relations(endpoints, ({ one, many }) => ({
  owner: one(users, { fields: [endpoints.userId], references: [users.id] }),
  stars: many(endpointStars),
  uptimeSamples: many(endpointUptimeSamples),
  collectiveMemberships: many(collectiveMembers),
}));

export const endpointStarsRelations = relations(endpointStars, ({ one }) => ({
  user: one(users, { fields: [endpointStars.userId], references: [users.id] }),
  endpoint: one(endpoints, { fields: [endpointStars.endpointId], references: [endpoints.id] }),
}));

export const endpointUptimeSamplesRelations = relations(endpointUptimeSamples, ({ one }) => ({
  endpoint: one(endpoints, { fields: [endpointUptimeSamples.endpointId], references: [endpoints.id] }),
}));

export const collectivesRelations = relations(collectives, ({ one, many }) => ({
  owner: one(users, { fields: [collectives.ownerId], references: [users.id] }),
  members: many(collectiveMembers),
  sharedEndpoints: many(collectiveSharedEndpoints),
}));

export const collectiveMembersRelations = relations(collectiveMembers, ({ one }) => ({
  collective: one(collectives, { fields: [collectiveMembers.collectiveId], references: [collectives.id] }),
  endpoint: one(endpoints, { fields: [collectiveMembers.endpointId], references: [endpoints.id] }),
}));

export const collectiveSharedEndpointsRelations = relations(collectiveSharedEndpoints, ({ one, many }) => ({
  collective: one(collectives, {
    fields: [collectiveSharedEndpoints.collectiveId],
    references: [collectives.id],
  }),
  members: many(collectiveSharedEndpointMembers),
}));

export const collectiveSharedEndpointMembersRelations = relations(
  collectiveSharedEndpointMembers,
  ({ one }) => ({
    sharedEndpoint: one(collectiveSharedEndpoints, {
      fields: [collectiveSharedEndpointMembers.sharedEndpointId],
      references: [collectiveSharedEndpoints.id],
    }),
    endpoint: one(endpoints, {
      fields: [collectiveSharedEndpointMembers.endpointId],
      references: [endpoints.id],
    }),
  }),
);

export const oauthClientsRelations = relations(oauthClients, ({ many }) => ({
  grants: many(oauthGrants),
}));

export const oauthGrantsRelations = relations(oauthGrants, ({ one, many }) => ({
  user: one(users, { fields: [oauthGrants.userId], references: [users.id] }),
  client: one(oauthClients, { fields: [oauthGrants.clientId], references: [oauthClients.clientId] }),
  refreshTokens: many(oauthRefreshTokens),
}));

export const oauthRefreshTokensRelations = relations(oauthRefreshTokens, ({ one }) => ({
  grant: one(oauthGrants, { fields: [oauthRefreshTokens.grantId], references: [oauthGrants.id] }),
}));

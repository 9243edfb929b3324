import { createApiClient } from './client.js'

/**
 * The app's one client. main.js connects it to the session store and the
 * locale once both exist; until then it sends anonymous requests in Chinese.
 */
export const api = createApiClient()

export { ApiProblem, OfflineError, SessionEndedError, isTransientStatus } from './client.js'

// client-flow.mjs -- the official InfluxDB JavaScript client
// (@influxdata/influxdb-client-apis) against a running usersd: the Users API
// and the contract's four-step user flow.  Prints one TAP-like line per
// check ("ok - NAME" / "not ok - NAME: detail") for
// tests/integration/t0300-js-client.t, and exits 1 if any check failed.
//
// Environment: USERSD_URL (http://127.0.0.1:PORT), USERSD_TOKEN (operator),
// USERSD_ORG_ID.
import {InfluxDB, HttpError} from '@influxdata/influxdb-client'
import {
  UsersAPI,
  MeAPI,
  AuthorizationsAPI,
  SigninAPI,
  SetupAPI,
  OrgsAPI,
} from '@influxdata/influxdb-client-apis'

const url = process.env.USERSD_URL
const token = process.env.USERSD_TOKEN
const orgID = process.env.USERSD_ORG_ID
let failed = 0

function check(name, cond, detail = '') {
  if (cond) console.log(`ok - ${name}`)
  else {
    failed++
    console.log(`not ok - ${name}: ${detail}`)
  }
}

async function status(promise) {
  try {
    await promise
    return 200
  } catch (e) {
    if (e instanceof HttpError) return e.statusCode
    throw e
  }
}

const influx = new InfluxDB({url, token})
const users = new UsersAPI(influx)
const auths = new AuthorizationsAPI(influx)
const suffix = `${process.pid}`

const setup = await new SetupAPI(new InfluxDB({url})).getSetup()
check('setup reports it is done', setup.allowed === false, JSON.stringify(setup))

const me = await new MeAPI(influx).getMe()
check('getMe returns the operator', me.name === 'admin', JSON.stringify(me))

// Create five users, then page through them with limit and after.
const created = []
for (let i = 0; i < 5; i++) {
  const u = await users.postUsers({body: {name: `js-${suffix}-${i}`}})
  created.push(u)
}
check('postUsers returns an id', /^[0-9a-f]{16}$/.test(created[0].id), created[0].id)
check('postUsers defaults to active', created[0].status === 'active')

const dup = await status(users.postUsers({body: {name: created[0].name}}))
check('a duplicate name is 422', dup === 422, String(dup))

let seen = []
let after
for (;;) {
  const page = await users.getUsers({limit: 2, after})
  seen = seen.concat(page.users.map((u) => u.id))
  if (!page.links.next) break
  check('links.next uses after', /after=[0-9a-f]{16}/.test(page.links.next), page.links.next)
  after = page.users[page.users.length - 1].id
}
check('paging with after visits every user once',
  created.every((c) => seen.filter((s) => s === c.id).length === 1),
  JSON.stringify(seen))
const sorted = [...seen].sort()
check('pages are in id order', JSON.stringify(sorted) === JSON.stringify(seen))

const byOffset = await users.getUsers({offset: 1, limit: 1})
check('offset skips users', byOffset.users.length === 1 && byOffset.users[0].id === seen[1],
  JSON.stringify(byOffset))

const got = await users.getUsersID({userID: created[1].id})
check('getUsersID returns the user', got.name === created[1].name)

const patched = await users.patchUsersID({userID: created[1].id, body: {name: `${created[1].name}-x`}})
check('patchUsersID renames', patched.name === `${created[1].name}-x`)
const inactive = await users.patchUsersID({userID: created[1].id, body: {status: 'inactive'}})
check('patchUsersID sets inactive', inactive.status === 'inactive' && inactive.name === patched.name)

// The contract's four steps: user, id, authorization for it, password.
const step1 = await users.postUsers({body: {name: `js-flow-${suffix}`}})
const id = step1.id
const auth = await auths.postAuthorizations({
  body: {
    orgID,
    userID: id,
    description: 'js client flow',
    permissions: [
      {action: 'read', resource: {type: 'users', id}},
      {action: 'write', resource: {type: 'users', id}},
      {action: 'write', resource: {type: 'authorizations', orgID}},
    ],
  },
})
check('postAuthorizations returns a token once', typeof auth.token === 'string' && auth.token.length === 88)
check('the authorization belongs to the user', auth.userID === id)
await users.postUsersIDPassword({userID: id, body: {password: 'flow-pass-1'}})

// A token does what it holds and what its user may do (docs/compatibility.md,
// issue 25): writing the org's tokens is for its owners.
await new OrgsAPI(new InfluxDB({url, token})).postOrgsIDOwners({orgID, body: {id}})
check('the operator makes the user an owner of the org', true)

const userInflux = new InfluxDB({url, token: auth.token})
const asUser = new UsersAPI(userInflux)
const asMe = new MeAPI(userInflux)
const self = await asMe.getMe()
check('the user token reads /me', self.id === id, JSON.stringify(self))
const own = await asUser.getUsersID({userID: id})
check('the user token reads its own user', own.id === id)
const list = await asUser.getUsers()
check('the user token lists only itself', list.users.length === 1 && list.users[0].id === id,
  JSON.stringify(list))
const other = await status(asUser.getUsersID({userID: created[0].id}))
check('the user token cannot read another user', other === 401, String(other))
const mint = await status(new AuthorizationsAPI(new InfluxDB({url, token: auth.token})).postAuthorizations({
  body: {orgID, userID: id, permissions: [{action: 'write', resource: {type: 'users'}}]},
}))
check('the user token cannot mint a broader token (403)', mint === 403, String(mint))

await new SigninAPI(new InfluxDB({url})).postSignin({auth: {user: step1.name, password: 'flow-pass-1'}})
check('signin with the new password succeeds', true)
const bad = await status(new SigninAPI(new InfluxDB({url})).postSignin({auth: {user: step1.name, password: 'wrong-pass-1'}}))
check('signin with a wrong password is 401', bad === 401, String(bad))

for (const u of [...created, step1]) await users.deleteUsersID({userID: u.id})
const gone = await status(users.getUsersID({userID: step1.id}))
check('deleteUsersID removes the user', gone === 404, String(gone))
const dead = await status(asMe.getMe())
check('the deleted user\'s token is refused', dead === 401, String(dead))

process.exit(failed ? 1 : 0)

export { createFileStorage } from '../persistence/file-storage'

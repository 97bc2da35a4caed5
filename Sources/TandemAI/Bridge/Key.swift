import CRedisModule

/// An open key, valid inside ``Context/withKey(_:write:_:)``.
///
/// A key opened for reading that does not exist has no handle; every query then answers
/// as for an empty key.
struct Key {
    let handle: OpaquePointer?

    init(_ handle: OpaquePointer?) { self.handle = handle }

    /// Whether the key holds nothing.
    var isEmpty: Bool {
        guard let handle else { return true }
        return rm_key_type(handle) == CRM_KEYTYPE_EMPTY
    }

    /// Whether the key holds a value of the module type `type`.
    func holds(_ type: OpaquePointer?) -> Bool {
        guard let handle, let type else { return false }
        return rm_module_type_get_type(handle) == type
    }

    /// The tensor stored here, or `nil` if the key holds something else or nothing.
    var tensor: TensorValue? {
        guard let handle, holds(DataTypes.tensor), let raw = rm_module_type_get_value(handle) else { return nil }
        return Unmanaged<TensorValue>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The model stored here, or `nil` if the key holds something else or nothing.
    var model: ModelValue? {
        guard let handle, holds(DataTypes.model), let raw = rm_module_type_get_value(handle) else { return nil }
        return Unmanaged<ModelValue>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The script stored here, or `nil` if the key holds something else or nothing.
    var script: ScriptValue? {
        guard let handle, holds(DataTypes.script), let raw = rm_module_type_get_value(handle) else { return nil }
        return Unmanaged<ScriptValue>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Throws WRONGTYPE unless the key is empty or holds a value of `type`.
    func requireEmptyOr(_ type: OpaquePointer?) throws(CommandError) {
        if !isEmpty && !holds(type) { throw .wrongType }
    }

    /// Stores `value` as a module value of `type`; the key takes ownership (one retain).
    /// The key must be open for writing, and `Value` must be the class stored for `type`.
    ///
    /// - Throws: `ERR could not save <what>` when Redis refuses.
    func set<Value: AnyObject>(_ value: Value, as type: OpaquePointer?, what: String) throws(CommandError) {
        guard let handle, let type else { throw CommandError("ERR could not save \(what)") }
        let raw = Unmanaged.passRetained(value)
        // A value of the same type is swapped in place (`SetValue` would delete the key and
        // add it again); the old value is then ours to release.
        if holds(type) {
            var old: UnsafeMutableRawPointer? = nil
            if rm_module_type_replace_value(handle, type, raw.toOpaque(), &old) == CRM_OK {
                if let old { Unmanaged<Value>.fromOpaque(old).release() }
                return
            }
        }
        if rm_module_type_set_value(handle, type, raw.toOpaque()) != CRM_OK {
            raw.release()
            throw CommandError("ERR could not save \(what)")
        }
    }

    /// Deletes the key (must be open for writing).
    func delete() {
        if let handle { _ = rm_delete_key(handle) }
    }
}
